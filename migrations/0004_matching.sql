-- Probabilistic identity matching (src/matching): the workspace's thresholds and fitted model, blocking keys for
-- real-time candidate lookup, batch runs with progress, and the review queue for the grey zone.

CREATE TABLE match_settings (
  workspace_id     text PRIMARY KEY,
  auto_threshold   double precision NOT NULL DEFAULT 0.99 CHECK (auto_threshold > 0 AND auto_threshold < 1),
  review_threshold double precision NOT NULL DEFAULT 0.5 CHECK (review_threshold > 0 AND review_threshold < 1),
  model            jsonb,                              -- Fellegi–Sunter m/u/λ fitted by the last batch run
  expected         jsonb,                              -- expected precision/recall per threshold under that model
  common_values    jsonb NOT NULL DEFAULT '[]',        -- placeholder values found (masked, with counts)
  common_hashes    text[] NOT NULL DEFAULT '{}',       -- their blind indexes, excluded from real-time matching
  fitted_at        timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (review_threshold < auto_threshold)
);

-- Blocking keys as keyed blind indexes: candidates are found without storing names or dates in the clear.
CREATE TABLE match_keys (
  workspace_id  text NOT NULL,
  key_hash      text NOT NULL,
  customer_id   bigint NOT NULL,
  PRIMARY KEY (workspace_id, key_hash, customer_id)
);
CREATE INDEX match_keys_customer ON match_keys (workspace_id, customer_id);

-- What the matcher last saw of a profile's PII, so events that do not touch PII cost one indexed comparison.
CREATE TABLE match_state (
  workspace_id  text NOT NULL,
  customer_id   bigint NOT NULL,
  pii_digest    text NOT NULL,
  checked_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, customer_id)
);

CREATE TABLE match_runs (
  workspace_id  text NOT NULL,
  id            bigserial,
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed')),
  stage         text,
  done          bigint NOT NULL DEFAULT 0,
  total         bigint NOT NULL DEFAULT 0,
  stats         jsonb NOT NULL DEFAULT '{}',
  error         text,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz,
  lease_until   timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX match_runs_pending ON match_runs (status, created_at) WHERE status IN ('queued','running');

CREATE TABLE match_reviews (
  workspace_id  text NOT NULL,
  id            bigserial,
  customer_a    bigint NOT NULL,
  customer_b    bigint NOT NULL,
  probability   double precision NOT NULL,
  weight        double precision NOT NULL,
  evidence      jsonb NOT NULL,                       -- per-field agreement level, label and weight
  reason        text NOT NULL,                        -- grey_zone | conflicting_pair | cluster_too_large | several_candidates
  source        text NOT NULL,                        -- batch | realtime
  run_id        bigint,
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','merged','rejected','obsolete')),
  decided_by    text,
  decided_at    timestamptz,
  merge_id      bigint,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, customer_a, customer_b),
  CHECK (customer_a < customer_b)
);
CREATE INDEX match_reviews_pending ON match_reviews (workspace_id, probability DESC) WHERE status = 'pending';

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['match_settings','match_keys','match_state','match_runs','match_reviews']) AS t;
