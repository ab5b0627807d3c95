-- Entries of the ingest log (src/ingest/buffer) that failed to apply again and again. They stay sealed with the PII
-- key as the log held them; an operator can read the error, mend the cause and replay them. Nothing acknowledged to a
-- sender is dropped.
CREATE TABLE ingest_dead_letters (
  workspace_id  text NOT NULL,
  id            bigserial,
  entry         bytea NOT NULL,                     -- as the log held it: Pii.sealBytes of the JSON entry
  messages      int,                                -- tracking messages in it; NULL when no key opened it
  error         text NOT NULL,
  deliveries    int NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);

SELECT siyu_isolate_tenant('ingest_dead_letters');
