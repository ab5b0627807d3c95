-- Broadcasts (群发), SMS templates and channel quotas (issue #4).

-- A broadcast sends one template to a segment's members, now or at a set time, at most `rate_per_minute` messages a
-- minute, through the same send gate and outbox as journeys. The audience is fixed when it starts.
CREATE TABLE broadcasts (
  workspace_id     text NOT NULL,
  id               bigserial,
  name             text NOT NULL,
  channel          text NOT NULL,
  template_key     text NOT NULL,
  segment          text NOT NULL,                   -- segment key
  transactional    boolean NOT NULL DEFAULT false,
  quiet_hours      text NOT NULL DEFAULT 'defer' CHECK (quiet_hours IN ('defer','drop')),
  rate_per_minute  int NOT NULL,
  variants         jsonb NOT NULL DEFAULT '[]',     -- [{key, percent}] for an A/B test of template variants
  status           text NOT NULL CHECK (status IN ('scheduled','running','paused','cancelled','completed')),
  send_at          timestamptz NOT NULL,
  audience_size    int,
  last_batch_at    timestamptz,                     -- the throttle's clock: the next batch may take rate × elapsed
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX broadcasts_due ON broadcasts (workspace_id, send_at) WHERE status IN ('scheduled','running');

-- One row per audience member: pending until its batch puts a message in the outbox (or the broadcast is cancelled).
CREATE TABLE broadcast_recipients (
  workspace_id  text NOT NULL,
  broadcast_id  bigint NOT NULL,
  customer_id   bigint NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending','queued','suppressed','cancelled')),
  variant       text,
  outbox_id     bigint,
  reason        text,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, broadcast_id, customer_id)
);
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (workspace_id, broadcast_id, customer_id) WHERE status = 'pending';

-- SMS in China goes out through templates approved by the carrier: a message template for an SMS channel names the
-- provider's template code and the parameters (Liquid) that fill it.
ALTER TABLE message_templates ADD COLUMN sms jsonb;

-- At most this many messages a day on the channel (a provider's quota or a budget); null = no limit.
ALTER TABLE channel_providers ADD COLUMN daily_quota int;

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['broadcasts','broadcast_recipients']) AS t;

-- Marketing messages put in the outbox per channel and local day: the daily quota is checked against this counter,
-- kept in the transaction that queues the messages (counting the outbox itself would scan a whole day's rows).
CREATE TABLE channel_daily_usage (
  workspace_id  text NOT NULL,
  channel       text NOT NULL,
  day           date NOT NULL,
  queued        int NOT NULL,
  PRIMARY KEY (workspace_id, channel, day)
);
SELECT siyu_isolate_tenant('channel_daily_usage');

-- First open and first click of each message, for reach / open / click rates per broadcast, journey and channel
-- without scanning the event log.
ALTER TABLE outbox ADD COLUMN opened_at timestamptz;
ALTER TABLE outbox ADD COLUMN clicked_at timestamptz;
