-- Predictions (issue #7): model versions with their diagnostics, and each customer's latest predicted values.
CREATE TABLE model_versions (
  workspace_id  text NOT NULL,
  id            bigserial,
  model         text NOT NULL,                        -- clv (BG/NBD + Gamma-Gamma)
  status        text NOT NULL CHECK (status IN ('active','superseded','failed','insufficient_data')),
  params        jsonb NOT NULL DEFAULT '{}',
  diagnostics   jsonb NOT NULL DEFAULT '{}',
  message       text,
  settings      jsonb NOT NULL DEFAULT '{}',
  trained_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE TABLE predictions (
  workspace_id  text NOT NULL,
  model         text NOT NULL,
  customer_id   bigint NOT NULL,
  version_id    bigint NOT NULL,
  p_alive       double precision,
  expected_90d  double precision,
  expected_spend double precision,
  clv           double precision,
  churn_risk    double precision,                      -- probability of no purchase in the next 13 weeks
  churn_level   text,                                  -- high | medium | low
  activity_drop double precision,                      -- share below the customer's own purchase rate
  value_score   int,                                   -- 0-100, see src/models/value-score.ts
  value_factors jsonb,                                 -- per-factor points, the score's explanation
  computed_at   timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, model, customer_id)
);
SELECT siyu_isolate_tenant('model_versions');
SELECT siyu_isolate_tenant('predictions');
