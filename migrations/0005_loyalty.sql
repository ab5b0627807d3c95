-- Loyalty points (src/loyalty): a ledger where every change is an immutable entry with its source, points held in
-- lots that expire, and per-member accounts that are a projection of the ledger, written only in the transaction
-- that posts the entries (a test checks balance = sum of live lots - debt after thousands of concurrent operations).

CREATE TABLE loyalty_programs (
  workspace_id  text PRIMARY KEY,
  settings      jsonb NOT NULL,                      -- earn rules, multipliers, caps, expiry, negative-balance policy
  version       integer NOT NULL DEFAULT 1,
  updated_by    text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per member (the surviving profile). Locked FOR UPDATE by every posting: operations on one member are
-- serialised, so two redemptions cannot both spend the same points.
CREATE TABLE points_accounts (
  workspace_id  text NOT NULL,
  customer_id   bigint NOT NULL,
  balance       bigint NOT NULL DEFAULT 0,           -- spendable: sum of live lots' remaining points - debt
  held          bigint NOT NULL DEFAULT 0 CHECK (held >= 0),   -- taken from lots into open holds
  debt          bigint NOT NULL DEFAULT 0 CHECK (debt >= 0),   -- reversals beyond the balance, under the 'allow' policy
  earned_total  bigint NOT NULL DEFAULT 0,
  spent_total   bigint NOT NULL DEFAULT 0,
  expired_total bigint NOT NULL DEFAULT 0,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id)
);

CREATE TABLE points_lots (
  workspace_id  text NOT NULL,
  id            bigserial,
  customer_id   bigint NOT NULL,
  entry_id      bigint NOT NULL,                     -- the earn entry that created it
  points        bigint NOT NULL CHECK (points > 0),
  remaining     bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
  earned_at     timestamptz NOT NULL,
  expires_at    timestamptz,                         -- null: never
  PRIMARY KEY (workspace_id, id)
);
-- Spending takes the lots that expire first; the expiry sweep finds due lots with points left.
CREATE INDEX points_lots_live ON points_lots (workspace_id, customer_id, expires_at NULLS LAST, id) WHERE remaining > 0;
CREATE INDEX points_lots_due ON points_lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL;   -- the sweep spans workspaces

CREATE TABLE points_entries (
  workspace_id    text NOT NULL,
  id              bigserial,
  customer_id     bigint NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('earn','redeem','hold','release','reverse','expire','adjust')),
  points          bigint NOT NULL,                   -- signed change of the spendable balance
  source_type     text NOT NULL,                     -- order, refund, action, redemption, hold, expiry, operator
  source_id       text NOT NULL,
  idempotency_key text NOT NULL,                     -- one entry per source: a replay returns this entry
  detail          jsonb NOT NULL DEFAULT '{}',       -- rule, multipliers, lots touched, shortfall ...
  actor           text,
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idempotency_key)
);
CREATE INDEX points_entries_customer ON points_entries (workspace_id, customer_id, id DESC);
CREATE INDEX points_entries_source ON points_entries (workspace_id, source_type, source_id);

-- Points set aside for a redemption that is not confirmed yet (mall order, POS): captured or released, never both.
CREATE TABLE points_holds (
  workspace_id  text NOT NULL,
  id            bigserial,
  customer_id   bigint NOT NULL,
  points        bigint NOT NULL CHECK (points > 0),
  status        text NOT NULL DEFAULT 'held' CHECK (status IN ('held','captured','released')),
  lots          jsonb NOT NULL,                      -- [{lot, points}] taken, given back on release
  reference     text NOT NULL,
  expires_at    timestamptz NOT NULL,                -- released automatically if not captured by then
  created_at    timestamptz NOT NULL,
  settled_at    timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, reference)
);
CREATE INDEX points_holds_open ON points_holds (expires_at) WHERE status = 'held';

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['loyalty_programs','points_accounts','points_lots','points_entries','points_holds']) AS t;
