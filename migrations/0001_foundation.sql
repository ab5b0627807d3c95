-- Foundation: workspaces and access, identity graph, customers, events, orders, imports, audit.
-- Every tenant table carries workspace_id and a row-level security policy (see src/kernel/tenant.ts).

CREATE TABLE workspaces (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  timezone      text NOT NULL DEFAULT 'Asia/Shanghai',
  customer_seq  bigint NOT NULL DEFAULT 0,         -- dense per-workspace customer ids (bitset-friendly)
  settings      jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operators (
  id            text PRIMARY KEY,
  email         text NOT NULL UNIQUE,
  name          text NOT NULL,
  password_hash text NOT NULL,
  locale        text NOT NULL DEFAULT 'zh-CN',
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  workspace_id  text NOT NULL REFERENCES workspaces(id),
  operator_id   text NOT NULL REFERENCES operators(id),
  role          text NOT NULL CHECK (role IN ('owner','admin','analyst','operator','staff')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, operator_id)
);

CREATE TABLE sessions (
  token_hash    text PRIMARY KEY,
  operator_id   text NOT NULL REFERENCES operators(id),
  workspace_id  text NOT NULL REFERENCES workspaces(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  workspace_id  text NOT NULL REFERENCES workspaces(id),
  kind          text NOT NULL CHECK (kind IN ('write','secret')),
  name          text NOT NULL,
  prefix        text NOT NULL,                      -- first characters, shown to operators to tell keys apart
  key_hash      text NOT NULL UNIQUE,               -- sha256 of the key; the key itself is shown once
  role          text NOT NULL DEFAULT 'admin',
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

CREATE TABLE audit_log (
  workspace_id  text NOT NULL,
  id            bigserial,
  at            timestamptz NOT NULL DEFAULT now(),
  actor_type    text NOT NULL,                      -- operator | api_key | system
  actor_id      text NOT NULL,
  action        text NOT NULL,                      -- e.g. pii.read, customer.unmerge, import.create
  target_type   text,
  target_id     text,
  details       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE identity_rules (
  workspace_id     text NOT NULL,
  id_type          text NOT NULL,
  strength         text NOT NULL CHECK (strength IN ('unique','weak')),
  max_per_customer int,                              -- null: unlimited
  priority         int NOT NULL,                     -- lower wins when choosing which identifier decides
  PRIMARY KEY (workspace_id, id_type)
);

CREATE TABLE customers (
  workspace_id    text NOT NULL,
  id              bigint NOT NULL,
  canonical_id    bigint NOT NULL,                   -- the surviving profile after merges (itself when not merged)
  merged_into     bigint,
  is_anonymous    boolean NOT NULL DEFAULT true,     -- true until a unique identifier is attached
  pii             jsonb NOT NULL DEFAULT '{}',        -- field -> AES-256-GCM ciphertext
  pii_masked      jsonb NOT NULL DEFAULT '{}',        -- field -> masked display value
  name_bidx       text,                              -- blind index of the full name for exact search
  traits          jsonb NOT NULL DEFAULT '{}',        -- non-PII attributes
  source_channel  text,                              -- first touch: how the customer first arrived
  source          jsonb,
  order_count     int NOT NULL DEFAULT 0,
  total_spent     bigint NOT NULL DEFAULT 0,         -- fen/cents, net of refunds
  first_order_at  timestamptz,
  last_order_at   timestamptz,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX customers_canonical ON customers (workspace_id, canonical_id);
CREATE INDEX customers_name ON customers (workspace_id, name_bidx) WHERE name_bidx IS NOT NULL;
CREATE INDEX customers_live_seen ON customers (workspace_id, last_seen_at DESC) WHERE merged_into IS NULL;

CREATE TABLE identities (
  workspace_id  text NOT NULL,
  id_type       text NOT NULL,
  scope         text NOT NULL DEFAULT '',           -- app id for openid; '' otherwise
  value_hash    text NOT NULL,                      -- keyed blind index (HMAC-SHA256)
  value_enc     text NOT NULL,
  value_masked  text NOT NULL,
  customer_id   bigint NOT NULL,
  source        text NOT NULL,                      -- what attached it: identify, alias, order, import ...
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id_type, scope, value_hash)
);
CREATE INDEX identities_customer ON identities (workspace_id, customer_id);

CREATE TABLE merges (
  workspace_id  text NOT NULL,
  id            bigserial,
  winner_id     bigint NOT NULL,
  loser_id      bigint NOT NULL,
  reason        text NOT NULL,
  evidence      jsonb NOT NULL DEFAULT '{}',
  actor         text NOT NULL DEFAULT 'system',
  created_at    timestamptz NOT NULL DEFAULT now(),
  undone_at     timestamptz,
  undone_by     text,
  undo_reason   text,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX merges_winner ON merges (workspace_id, winner_id);
CREATE INDEX merges_loser ON merges (workspace_id, loser_id);

CREATE TABLE identity_conflicts (
  workspace_id  text NOT NULL,
  id            bigserial,
  at            timestamptz NOT NULL DEFAULT now(),
  kind          text NOT NULL,                      -- limit_exceeded | merge_blocked | junk_value
  customer_id   bigint,
  details       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, id)
);

CREATE TABLE events (
  workspace_id  text NOT NULL,
  id            bigserial,
  message_id    text NOT NULL,
  customer_id   bigint NOT NULL,                    -- the profile it resolved to at ingest; follow canonical_id
  type          text NOT NULL,                      -- identify | track | page | screen | group | alias
  event         text,                               -- track event name, page/screen name
  properties    jsonb NOT NULL DEFAULT '{}',
  context       jsonb NOT NULL DEFAULT '{}',
  ts            timestamptz NOT NULL,               -- skew-corrected event time
  original_ts   timestamptz,
  received_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX events_message ON events (workspace_id, message_id);
CREATE INDEX events_customer_ts ON events (workspace_id, customer_id, ts DESC);
CREATE INDEX events_ts ON events (workspace_id, ts);

CREATE TABLE orders (
  workspace_id    text NOT NULL,
  id              bigserial,
  order_id        text NOT NULL,
  customer_id     bigint,                           -- null for guest orders without any identifier
  kind            text NOT NULL DEFAULT 'sale' CHECK (kind IN ('sale','return')),   -- return: a credit note without its sale
  status          text NOT NULL CHECK (status IN ('paid','partially_refunded','refunded')),
  currency        text NOT NULL,
  amount          bigint NOT NULL CHECK (amount >= 0),     -- minor units (fen/cents)
  refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
  items           jsonb NOT NULL DEFAULT '[]',
  channel         text,
  store           text,
  properties      jsonb NOT NULL DEFAULT '{}',
  placed_at       timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX orders_external ON orders (workspace_id, order_id);
CREATE INDEX orders_customer ON orders (workspace_id, customer_id, placed_at DESC);
CREATE INDEX orders_placed ON orders (workspace_id, placed_at);

CREATE TABLE refunds (
  workspace_id  text NOT NULL,
  id            bigserial,
  refund_id     text NOT NULL,
  order_pk      bigint NOT NULL,
  amount        bigint NOT NULL CHECK (amount > 0),
  items         jsonb NOT NULL DEFAULT '[]',
  reason        text,
  refunded_at   timestamptz NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX refunds_external ON refunds (workspace_id, refund_id);
CREATE INDEX refunds_order ON refunds (workspace_id, order_pk);

CREATE TABLE imports (
  workspace_id  text NOT NULL,
  id            text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('customers','orders','events')),
  format        text NOT NULL CHECK (format IN ('csv','xlsx')),
  filename      text NOT NULL,
  file_path     text NOT NULL,
  options       jsonb NOT NULL DEFAULT '{}',
  header        text[],                             -- the file's header row, for the error report's columns
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed')),
  bytes_total   bigint NOT NULL DEFAULT 0,
  bytes_done    bigint NOT NULL DEFAULT 0,
  rows_done     bigint NOT NULL DEFAULT 0,          -- checkpoint: data rows fully applied
  rows_ok       bigint NOT NULL DEFAULT 0,
  rows_error    bigint NOT NULL DEFAULT 0,
  summary       jsonb NOT NULL DEFAULT '{}',
  error         text,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  lease_until   timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX imports_pending ON imports (status, created_at) WHERE status IN ('queued','running');

CREATE TABLE import_errors (
  workspace_id  text NOT NULL,
  import_id     text NOT NULL,
  row_no        bigint NOT NULL,                    -- 1-based data row (header excluded)
  field         text NOT NULL,
  message       text NOT NULL,
  raw           jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (workspace_id, import_id, row_no, field)
);

-- Row-level security: tenant transactions see and write only their workspace. Later migrations call
-- siyu_isolate_tenant('table') for each tenant table they create.
CREATE FUNCTION siyu_isolate_tenant(t text, key_column text DEFAULT 'workspace_id') RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
  EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
                   USING (%I = current_setting('app.workspace_id', true))
                   WITH CHECK (%I = current_setting('app.workspace_id', true))$p$, t, key_column, key_column);
END $$;

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['memberships','api_keys','audit_log','identity_rules','customers','identities',
  'merges','identity_conflicts','events','orders','refunds','imports','import_errors']) AS t;
SELECT siyu_isolate_tenant('workspaces', 'id');

-- Pairs an operator split apart: the resolver never merges them again automatically.
CREATE TABLE merge_blocks (
  workspace_id  text NOT NULL,
  customer_a    bigint NOT NULL,
  customer_b    bigint NOT NULL,
  merge_id      bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_a, customer_b)
);
SELECT siyu_isolate_tenant('merge_blocks');
