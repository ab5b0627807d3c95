-- Layer models no longer store a row of scores per customer on every run (a million rows rewritten daily only
-- to be read for the odd explanation). A customer's scores are derived when asked from their facts and the run's
-- cut points kept in layer_models.summary (POST /v1/layers/explain); the cells themselves stay as tags.
DROP TABLE layer_results;
