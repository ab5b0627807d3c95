-- How many profiles held each value at the last batch run (src/matching/frequencies.ts), so real-time matching
-- weighs an agreement on 上海 or on a common name as lightly as the run did. Values are keyed blind indexes (HMAC) of
-- the field and value, never the value itself; only values held by three or more profiles are kept (rarer ones
-- are weighed at the floor of two holders anyway).
CREATE TABLE match_value_counts (
  workspace_id  text NOT NULL,
  value_hash    text NOT NULL,
  n             int NOT NULL,
  PRIMARY KEY (workspace_id, value_hash)
);
SELECT siyu_isolate_tenant('match_value_counts');
