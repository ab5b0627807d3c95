-- Analytics (issue #6): columnar snapshots of events, orders, refunds and customers as Parquet files that DuckDB
-- reads; operators' dashboards of pinned charts; costs for ROI; weekly and monthly reports.

-- How far each source has been copied into Parquet. A source is exported up to `last_id`; `pending_id` is the next
-- boundary, taken with the snapshot of running transactions (`pending_snapshot`) so rows that commit late with lower
-- ids are never skipped: it is exported only once every transaction running at that moment has ended.
CREATE TABLE analytics_watermarks (
  workspace_id      text NOT NULL,
  source            text NOT NULL,                  -- events | orders | refunds
  last_id           bigint NOT NULL DEFAULT 0,
  pending_id        bigint,
  pending_snapshot  text,
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, source)
);

-- The Parquet files that make up each source now. Compaction writes a new file and retires the parts it replaced
-- (removed from disk a little later, so queries already reading them finish).
CREATE TABLE analytics_parts (
  workspace_id  text NOT NULL,
  id            bigserial,
  source        text NOT NULL,                      -- events | orders | refunds | customers
  file          text NOT NULL,
  first_id      bigint NOT NULL,
  last_id       bigint NOT NULL,
  rows          bigint NOT NULL,
  created_at    timestamptz NOT NULL,
  retired_at    timestamptz,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX analytics_parts_live ON analytics_parts (workspace_id, source) WHERE retired_at IS NULL;

-- Charts an operator pinned to a dashboard: what to draw is the saved analytics request, run again on view.
CREATE TABLE dashboards (
  workspace_id  text NOT NULL,
  id            bigserial,
  owner         text NOT NULL,                      -- operator:<id> or api_key:<id>
  name          text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE TABLE dashboard_charts (
  workspace_id  text NOT NULL,
  id            bigserial,
  dashboard_id  bigint NOT NULL,
  title         text NOT NULL,
  kind          text NOT NULL,                      -- metric | funnel | retention | paths | attribution
  request       jsonb NOT NULL,
  position      int NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);

-- Money spent on a channel, journey, broadcast or staff member in a month, for ROI.
CREATE TABLE analytics_costs (
  workspace_id  text NOT NULL,
  kind          text NOT NULL,                      -- channel | journey | broadcast | staff
  key           text NOT NULL,
  month         date NOT NULL,                      -- first day of the month
  amount        bigint NOT NULL CHECK (amount >= 0), -- fen
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, kind, key, month)
);

-- Automatic weekly and monthly reports: the figures, the anomalies in words, and the rendered page and image.
CREATE TABLE analytics_reports (
  workspace_id  text NOT NULL,
  id            bigserial,
  period        text NOT NULL CHECK (period IN ('week','month')),
  starts_on     date NOT NULL,
  ends_on       date NOT NULL,                      -- exclusive
  summary       jsonb NOT NULL,
  html          text NOT NULL,
  svg           text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, period, starts_on)
);

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['analytics_watermarks','analytics_parts','dashboards','dashboard_charts','analytics_costs','analytics_reports']) AS t;
