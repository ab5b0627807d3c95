-- Full recomputes of traits, rule tags and segments after a definition changes run in the background: a row per
-- run, so the console can show what is being recomputed and when it finished (progress itself is kept in the
-- process that runs it).
CREATE TABLE recompute_jobs (
  workspace_id  text NOT NULL,
  id            bigserial,
  reason        text NOT NULL,
  status        text NOT NULL CHECK (status IN ('queued','running','done','failed')),
  changes       int,
  error         text,
  requested_at  timestamptz NOT NULL,
  started_at    timestamptz,
  finished_at   timestamptz,
  PRIMARY KEY (workspace_id, id)
);
SELECT siyu_isolate_tenant('recompute_jobs');
