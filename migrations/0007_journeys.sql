-- Journeys, the send gate and channels (issue #4): consent, providers, templates, journeys with immutable versions,
-- per-customer journey runs with timers, the event inbox journeys listen to, the outbox every message goes through.

-- Marketing consent per customer, channel and purpose. No row means "not asked": marketing needs a granted row
-- unless the workspace's send policy says otherwise (policy.consentDefault).
CREATE TABLE consents (
  workspace_id  text NOT NULL,
  customer_id   bigint NOT NULL,
  channel       text NOT NULL,                      -- email | sms | webhook | inbox | wecom ...
  purpose       text NOT NULL DEFAULT 'marketing',
  granted       boolean NOT NULL,
  source        text NOT NULL,                      -- api | import | unsubscribe_link | operator ...
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, customer_id, channel, purpose)
);

-- How each channel reaches people in a workspace. Secrets (SMTP password, SMS key secret, webhook signing secret)
-- are sealed with the PII key and never returned by the API.
CREATE TABLE channel_providers (
  workspace_id     text NOT NULL,
  channel          text NOT NULL,
  kind             text NOT NULL,                   -- smtp | webhook | inbox | aliyun_sms | tencent_sms
  config           jsonb NOT NULL DEFAULT '{}',
  secret_enc       text,
  rate_per_second  int NOT NULL DEFAULT 20,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, channel)
);

-- Frequency caps, quiet hours and the consent default, one row per workspace.
CREATE TABLE send_policies (
  workspace_id  text PRIMARY KEY,
  policy        jsonb NOT NULL,
  updated_at    timestamptz NOT NULL
);

CREATE TABLE message_templates (
  workspace_id  text NOT NULL,
  id            bigserial,
  key           text NOT NULL,
  name          text NOT NULL,
  channel       text NOT NULL,
  subject       text,
  body          text NOT NULL,
  variants      jsonb NOT NULL DEFAULT '[]',        -- [{key, subject, body}] for A/B
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, key)
);

CREATE TABLE journeys (
  workspace_id  text NOT NULL,
  id            bigserial,
  name          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('draft','live','paused','archived')),
  draft         jsonb NOT NULL,                     -- the definition being edited
  live_version  int,                                -- new entries go to this version
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);

-- Published definitions never change: customers in flight finish on the version they entered.
CREATE TABLE journey_versions (
  workspace_id  text NOT NULL,
  journey_id    bigint NOT NULL,
  version       int NOT NULL,
  definition    jsonb NOT NULL,
  published_by  text NOT NULL,
  published_at  timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, journey_id, version)
);

-- Events some journey listens to (a trigger, a wait for an event, a goal, an exit condition), rebuilt on publish.
CREATE TABLE journey_listens (
  workspace_id  text NOT NULL,
  event         text NOT NULL,
  PRIMARY KEY (workspace_id, event)
);

-- Events journeys must react to, copied in the transaction that stores them: nothing acknowledged is missed,
-- even when the process dies before the journey worker sees the event.
CREATE TABLE journey_inbox (
  workspace_id  text NOT NULL,
  id            bigserial,
  event_id      bigint NOT NULL,
  customer_id   bigint NOT NULL,
  event         text NOT NULL,
  properties    jsonb NOT NULL,
  ts            timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);

CREATE FUNCTION siyu_journey_inbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO journey_inbox (workspace_id, event_id, customer_id, event, properties, ts)
  SELECT n.workspace_id, n.id, n.customer_id, n.event, n.properties, n.ts
    FROM new_events n JOIN journey_listens l ON l.workspace_id = n.workspace_id AND l.event = n.event;
  RETURN NULL;
END $$;
CREATE TRIGGER events_journey_inbox AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION siyu_journey_inbox();

-- One customer's way through one journey version. phase 0: the node runs when due_at comes; phase 1: the customer
-- waits at the node (a timer, or an event until the timeout in due_at).
CREATE TABLE journey_runs (
  workspace_id  text NOT NULL,
  id            bigserial,
  journey_id    bigint NOT NULL,
  version       int NOT NULL,
  customer_id   bigint NOT NULL,
  node          text NOT NULL,
  phase         smallint NOT NULL DEFAULT 0,
  status        text NOT NULL CHECK (status IN ('active','completed','exited')),
  due_at        timestamptz,
  waiting_for   text,                               -- event name while waiting for one
  variant       text,                               -- the split branch taken, for A/B measurement
  holdout       boolean NOT NULL DEFAULT false,
  context       jsonb NOT NULL DEFAULT '{}',        -- trigger event properties, for templates and filters
  steps         int NOT NULL DEFAULT 0,
  entered_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  exit_reason   text,
  goal_at       timestamptz,
  occurrence    text,                               -- date and schedule triggers: the day this entry is for
  PRIMARY KEY (workspace_id, id)
);
-- Scheduled entries are idempotent: scanning the same day twice (or from two processes) enters a customer once.
CREATE UNIQUE INDEX journey_runs_occurrence ON journey_runs (workspace_id, journey_id, customer_id, occurrence) WHERE occurrence IS NOT NULL;
CREATE INDEX journey_runs_due ON journey_runs (workspace_id, due_at) WHERE status = 'active';
CREATE INDEX journey_runs_customer ON journey_runs (workspace_id, customer_id, journey_id);
CREATE INDEX journey_runs_journey ON journey_runs (workspace_id, journey_id, version, status);

-- How many runs passed each node, and with which outcome (canvas counts, funnels per step).
CREATE TABLE journey_node_stats (
  workspace_id  text NOT NULL,
  journey_id    bigint NOT NULL,
  version       int NOT NULL,
  node          text NOT NULL,
  outcome       text NOT NULL,                      -- passed | sent | suppressed:<reason> | held | yes | no | failed:<reason> ...
  count         bigint NOT NULL,
  PRIMARY KEY (workspace_id, journey_id, version, node, outcome)
);

-- Every message, from journeys, broadcasts and staff. A row exists once per idempotency key; the dispatcher sends
-- queued rows. Suppressed messages stay here with their reason.
CREATE TABLE outbox (
  workspace_id      text NOT NULL,
  id                bigserial,
  idem_key          text NOT NULL,
  customer_id       bigint,
  channel           text NOT NULL,
  template_key      text,
  transactional     boolean NOT NULL DEFAULT false,
  source_type       text NOT NULL,                  -- journey | broadcast | staff | test
  source_id         text,
  recipient_enc     text,                           -- sealed address (email, phone, URL)
  recipient_masked  text,
  subject           text,
  body              text,
  payload           jsonb NOT NULL DEFAULT '{}',
  status            text NOT NULL CHECK (status IN ('queued','sent','failed','suppressed')),
  reason            text,                           -- why suppressed or failed
  attempts          int NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz,
  provider_id       text,
  created_at        timestamptz NOT NULL,
  sent_at           timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idem_key)
);
CREATE INDEX outbox_due ON outbox (workspace_id, next_attempt_at) WHERE status = 'queued';
CREATE INDEX outbox_caps ON outbox (workspace_id, customer_id, channel, created_at) WHERE status IN ('queued','sent');
CREATE INDEX outbox_source ON outbox (workspace_id, source_type, source_id);

-- The console inbox channel (demos, staff): delivery is a row here, written with the outbox row's status.
CREATE TABLE inbox_messages (
  workspace_id  text NOT NULL,
  id            bigserial,
  outbox_id     bigint NOT NULL,
  customer_id   bigint,
  subject       text,
  body          text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, outbox_id)
);

-- Follow-ups a journey hands to staff.
CREATE TABLE staff_tasks (
  workspace_id  text NOT NULL,
  id            bigserial,
  idem_key      text NOT NULL,
  customer_id   bigint NOT NULL,
  title         text NOT NULL,
  assignee      text,
  source        text NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open','done')),
  due_at        timestamptz,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idem_key)
);

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['consents','channel_providers','message_templates','journeys',
  'journey_versions','journey_listens','journey_inbox','journey_runs','journey_node_stats','outbox','inbox_messages',
  'staff_tasks']) AS t;
SELECT siyu_isolate_tenant('send_policies');
