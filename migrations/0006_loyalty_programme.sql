-- The rest of the loyalty programme (src/loyalty): tiers earned by growth value, coupons with stock and a
-- lock-then-confirm redemption, the points mall, and referrals with a fraud review. Every change that matters is a
-- row with its source and an idempotency key, like the points ledger.

-- Growth value (成长值): immutable, signed entries; a member's tier follows the sum over the rolling period.
CREATE TABLE growth_entries (
  workspace_id    text NOT NULL,
  id              bigserial,
  customer_id     bigint NOT NULL,
  value           bigint NOT NULL,
  source_type     text NOT NULL,                     -- order, refund, action
  source_id       text NOT NULL,
  idempotency_key text NOT NULL,
  detail          jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, idempotency_key)
);
CREATE INDEX growth_entries_customer ON growth_entries (workspace_id, customer_id, created_at);

CREATE TABLE member_tiers (
  workspace_id  text NOT NULL,
  customer_id   bigint NOT NULL,
  tier          text NOT NULL,
  since         timestamptz NOT NULL,
  review_at     timestamptz,                         -- end of the retention period (保级): kept or lowered then; null on the base tier
  warned_at     timestamptz,                         -- the downgrade warning for this period was sent
  PRIMARY KEY (workspace_id, customer_id)
);
CREATE INDEX member_tiers_review ON member_tiers (review_at) WHERE review_at IS NOT NULL;

CREATE TABLE tier_changes (
  workspace_id  text NOT NULL,
  id            bigserial,
  customer_id   bigint NOT NULL,
  from_tier     text,
  to_tier       text NOT NULL,
  reason        text NOT NULL,                       -- upgrade, retained, downgrade, refund
  growth        bigint NOT NULL,                     -- growth over the rolling period when it happened
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id)
);
CREATE INDEX tier_changes_customer ON tier_changes (workspace_id, customer_id, id DESC);

-- Lots already announced as expiring (points_expiring), so the notice goes out once.
ALTER TABLE points_lots ADD COLUMN notified_at timestamptz;

CREATE TABLE coupon_templates (
  workspace_id  text NOT NULL,
  id            bigserial,
  name          text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('amount_off','percent_off','gift','shipping')),
  rules         jsonb NOT NULL,                      -- amounts, validity, limits, scope, stacking (validated in coupons/templates.ts)
  stock         integer CHECK (stock IS NULL OR stock >= 0),   -- null: unlimited
  issued        integer NOT NULL DEFAULT 0,        -- the stock counter; redemptions are counted from coupons (no hot row at checkout)
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused')),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  -- The database itself refuses to issue beyond stock, whatever the application does.
  CHECK (stock IS NULL OR issued <= stock)
);

CREATE TABLE coupons (
  workspace_id    text NOT NULL,
  id              bigserial,
  template_id     bigint NOT NULL,
  customer_id     bigint NOT NULL,
  -- The nth coupon of this template for this member: unique, so the per-member limit holds under concurrency.
  slot            integer NOT NULL,
  code            text NOT NULL,
  status          text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued','locked','redeemed','void')),
  valid_from      timestamptz NOT NULL,
  valid_to        timestamptz NOT NULL,
  source_type     text NOT NULL,                     -- operator, bulk, points, mall, referral, journey
  source_id       text NOT NULL,
  idempotency_key text NOT NULL,
  lock_reference  text,                              -- the checkout holding it (lock, then confirm or release)
  locked_until    timestamptz,
  order_id        text,
  discount        bigint,                            -- fen taken off when redeemed
  issued_at       timestamptz NOT NULL,
  redeemed_at     timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, code),
  UNIQUE (workspace_id, idempotency_key),
  UNIQUE (workspace_id, template_id, customer_id, slot)
);
CREATE INDEX coupons_customer ON coupons (workspace_id, customer_id, status);
CREATE INDEX coupons_template ON coupons (workspace_id, template_id, status);
CREATE INDEX coupons_lock ON coupons (workspace_id, lock_reference) WHERE lock_reference IS NOT NULL;
CREATE INDEX coupons_lock_due ON coupons (locked_until) WHERE status = 'locked';

-- Bulk issue of a template to a segment or a list: a background job with progress.
CREATE TABLE coupon_issue_jobs (
  workspace_id  text NOT NULL,
  id            bigserial,
  template_id   bigint NOT NULL,
  reference     text NOT NULL,
  audience      jsonb NOT NULL,                      -- {segment} or {customerIds}
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','stopped')),
  total         integer NOT NULL DEFAULT 0,
  done          integer NOT NULL DEFAULT 0,
  issued        integer NOT NULL DEFAULT 0,
  skipped       jsonb NOT NULL DEFAULT '{}',         -- reason → count (limit reached, out of stock ...)
  cursor        bigint NOT NULL DEFAULT 0,           -- last customer id handled: a restart resumes after it
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, reference)
);
CREATE INDEX coupon_issue_jobs_open ON coupon_issue_jobs (status) WHERE status IN ('queued','running');

CREATE TABLE mall_rewards (
  workspace_id        text NOT NULL,
  id                  bigserial,
  name                text NOT NULL,
  description         text NOT NULL DEFAULT '',
  kind                text NOT NULL CHECK (kind IN ('goods','coupon')),
  coupon_template_id  bigint,
  points_price        bigint NOT NULL CHECK (points_price >= 0),
  cash_price          bigint NOT NULL DEFAULT 0 CHECK (cash_price >= 0),   -- fen, paid outside (points + cash)
  stock               integer CHECK (stock IS NULL OR stock >= 0),
  sold                integer NOT NULL DEFAULT 0,
  per_customer_limit  integer NOT NULL DEFAULT 0,    -- 0: no limit
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused')),
  created_at          timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  CHECK (stock IS NULL OR sold <= stock),
  CHECK (points_price > 0 OR cash_price > 0)
);

CREATE TABLE mall_orders (
  workspace_id  text NOT NULL,
  id            bigserial,
  reward_id     bigint NOT NULL,
  customer_id   bigint NOT NULL,
  quantity      integer NOT NULL CHECK (quantity > 0),
  points        bigint NOT NULL,
  cash          bigint NOT NULL,
  status        text NOT NULL CHECK (status IN ('pending_payment','paid','fulfilled','cancelled','refunded')),
  reference     text NOT NULL,
  hold_id       bigint,                              -- points held while the cash part is paid
  coupon_ids    jsonb NOT NULL DEFAULT '[]',
  expires_at    timestamptz,                         -- pending orders are cancelled after this
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, reference)
);
CREATE INDEX mall_orders_customer ON mall_orders (workspace_id, customer_id, reward_id);
CREATE INDEX mall_orders_pending ON mall_orders (expires_at) WHERE status = 'pending_payment';

CREATE TABLE referral_codes (
  workspace_id  text NOT NULL,
  customer_id   bigint NOT NULL,
  code          text NOT NULL,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (workspace_id, customer_id),
  UNIQUE (workspace_id, code)
);

CREATE TABLE referrals (
  workspace_id  text NOT NULL,
  id            bigserial,
  referrer_id   bigint NOT NULL,
  invitee_id    bigint NOT NULL,
  code          text NOT NULL,
  device_id     text,
  status        text NOT NULL CHECK (status IN ('invited','qualified','rewarded','held','rejected')),
  fraud         jsonb NOT NULL DEFAULT '[]',         -- reasons it was held: same_device, phone_pattern, ring ...
  task_award    text,                                -- the task bonus (裂变任务) this referral counted towards
  created_at    timestamptz NOT NULL,
  qualified_at  timestamptz,
  decided_by    text,
  PRIMARY KEY (workspace_id, id),
  UNIQUE (workspace_id, invitee_id)                  -- one referrer per invitee: the first code used wins
);
CREATE INDEX referrals_referrer ON referrals (workspace_id, referrer_id, created_at);
CREATE INDEX referrals_device ON referrals (workspace_id, device_id) WHERE device_id IS NOT NULL;

SELECT siyu_isolate_tenant(t) FROM unnest(ARRAY['growth_entries','member_tiers','tier_changes','coupon_templates','coupons',
  'coupon_issue_jobs','mall_rewards','mall_orders','referral_codes','referrals']) AS t;
