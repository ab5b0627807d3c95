-- Computed traits, tags and segments: the customer-understanding engine (issue #3).

CREATE TABLE computed_traits (
  workspace_id  text NOT NULL,
  id            bigserial,
  key           text NOT NULL,
  name          text NOT NULL,
  description   text NOT NULL DEFAULT '',
  definition    jsonb NOT NULL,                     -- { source, event, where, aggregate, property, windowDays }
  value_type    text NOT NULL CHECK (value_type IN ('number','string','time')),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX computed_traits_key ON computed_traits (workspace_id, key) WHERE deleted_at IS NULL;

CREATE TABLE trait_values (
  workspace_id    text NOT NULL,
  trait_id        bigint NOT NULL,
  customer_id     bigint NOT NULL,                  -- root profile
  num             double precision,
  txt             text,
  next_change_at  timestamptz,                      -- when the oldest windowed event leaves the window
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, trait_id, customer_id)
);
CREATE INDEX trait_values_due ON trait_values (workspace_id, next_change_at) WHERE next_change_at IS NOT NULL;

CREATE TABLE tags (
  workspace_id  text NOT NULL,
  id            bigserial,
  key           text NOT NULL,
  name          text NOT NULL,
  tier          text NOT NULL CHECK (tier IN ('basic','behavior','predicted')),   -- 基础属性 / 行为特征 / 预测标签
  group_name    text NOT NULL DEFAULT '',
  kind          text NOT NULL CHECK (kind IN ('manual','imported','rule','model')),
  rule          jsonb,                              -- rule tags only
  owner         text NOT NULL,
  description   text NOT NULL DEFAULT '',
  version       int NOT NULL DEFAULT 1,
  coverage      int NOT NULL DEFAULT 0,
  refreshed_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  deleted_at    timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX tags_key ON tags (workspace_id, key) WHERE deleted_at IS NULL;

CREATE TABLE tag_versions (
  workspace_id  text NOT NULL,
  tag_id        bigint NOT NULL,
  version       int NOT NULL,
  rule          jsonb,
  name          text NOT NULL,
  description   text NOT NULL,
  changed_by    text NOT NULL,
  changed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, tag_id, version)
);

CREATE TABLE customer_tags (
  workspace_id  text NOT NULL,
  tag_id        bigint NOT NULL,
  customer_id   bigint NOT NULL,
  source        text NOT NULL,                      -- operator:<id> | import:<id> | rule | model:<name>
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, tag_id, customer_id)
);
CREATE INDEX customer_tags_customer ON customer_tags (workspace_id, customer_id);

CREATE TABLE segments (
  workspace_id  text NOT NULL,
  id            bigserial,
  key           text NOT NULL,
  name          text NOT NULL,
  description   text NOT NULL DEFAULT '',
  rule          jsonb NOT NULL,
  realtime      boolean NOT NULL DEFAULT true,
  size          int NOT NULL DEFAULT 0,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  refreshed_at  timestamptz,
  deleted_at    timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX segments_key ON segments (workspace_id, key) WHERE deleted_at IS NULL;

CREATE TABLE segment_members (
  workspace_id  text NOT NULL,
  segment_id    bigint NOT NULL,
  customer_id   bigint NOT NULL,
  since         timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, customer_id)
);
CREATE INDEX segment_members_customer ON segment_members (workspace_id, customer_id);

CREATE TABLE segment_sizes (
  workspace_id  text NOT NULL,
  segment_id    bigint NOT NULL,
  at            timestamptz NOT NULL,
  size          int NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, at)
);

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['computed_traits','trait_values','tags','tag_versions','customer_tags',
  'segments','segment_members','segment_sizes']) AS t;

-- Layer models: their configuration and each customer's latest result.
CREATE TABLE layer_models (
  workspace_id  text NOT NULL,
  model         text NOT NULL CHECK (model IN ('rfm','quadrant','lifecycle')),
  config        jsonb NOT NULL,
  summary       jsonb NOT NULL DEFAULT '{}',
  computed_at   timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, model)
);
CREATE TABLE layer_results (
  workspace_id  text NOT NULL,
  model         text NOT NULL,
  customer_id   bigint NOT NULL,
  cell          text NOT NULL,
  scores        jsonb NOT NULL,
  computed_at   timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, model, customer_id)
);
SELECT siyu_isolate_tenant('layer_models');
SELECT siyu_isolate_tenant('layer_results');
