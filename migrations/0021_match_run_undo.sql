-- Undoing a whole batch matching run (src/matching/undo.ts). Each run's merges are listed here as the run makes
-- them, so a run can be shown and undone without scanning every merge's evidence; merges made by runs before this
-- table existed are taken from their evidence (which has always named the run).
CREATE TABLE match_run_merges (
  workspace_id  text NOT NULL,
  run_id        bigint NOT NULL,
  merge_id      bigint NOT NULL,
  PRIMARY KEY (workspace_id, run_id, merge_id)
);
INSERT INTO match_run_merges (workspace_id, run_id, merge_id)
SELECT workspace_id, (evidence->>'runId')::bigint, id FROM merges
 WHERE evidence->>'kind' = 'probabilistic' AND evidence->>'source' = 'batch' AND evidence->>'runId' ~ '^[0-9]+$'
ON CONFLICT DO NOTHING;

-- One undo per run, done in the background merge by merge: each unmerge commits with the progress count, so a
-- process that dies leaves the rest to the next one that claims the job once its lease runs out.
CREATE TABLE match_run_undos (
  workspace_id   text NOT NULL,
  run_id         bigint NOT NULL,
  status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed')),
  reason         text NOT NULL,
  keep_apart     boolean NOT NULL DEFAULT false,   -- also block the pairs from being merged automatically again
  actor_type     text NOT NULL,
  actor_id       text NOT NULL,
  actor_role     text NOT NULL,                   -- who asked: each unmerge is audited as theirs
  total          int NOT NULL,
  done           int NOT NULL DEFAULT 0,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  lease_until    timestamptz,
  PRIMARY KEY (workspace_id, run_id)
);
CREATE INDEX match_run_undos_pending ON match_run_undos (status, created_at) WHERE status IN ('queued','running');

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['match_run_merges','match_run_undos']) AS t;
