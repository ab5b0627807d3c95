// Loyalty changes as events on the member's timeline (points_earned, points_redeemed, points_expired ...), so tags,
// segments and journeys can use them like any tracked event. Written in the ledger's transaction, keyed by entry.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Entry } from './ledger.ts';

const EVENT_OF: Record<Entry['kind'], string> = {
  earn: 'points_earned', redeem: 'points_redeemed', hold: 'points_held', release: 'points_released',
  reverse: 'points_reversed', expire: 'points_expired', adjust: 'points_adjusted',
};

export async function emitEntries(tx: TenantTx, entries: Entry[]) {
  const fresh = entries.filter((e) => !e.duplicate && (e.points !== 0 || e.kind === 'redeem'));
  if (fresh.length === 0) return;
  await tx.query(
    `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
     SELECT $1, 'points:' || u.id, u.cid, 'track', u.ev, u.props, u.ts
       FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::jsonb[], $6::timestamptz[]) AS u(id, cid, ev, props, ts)
     ON CONFLICT DO NOTHING`,
    [tx.workspaceId, fresh.map((e) => e.id), fresh.map((e) => e.customer_id), fresh.map((e) => EVENT_OF[e.kind]),
     fresh.map((e) => JSON.stringify({ points: e.points, balance: e.balance ?? null, source_type: e.source_type, source_id: e.source_id, ...(e.detail.captured ? { captured: e.detail.captured } : {}) })),
     fresh.map((e) => e.created_at)],
  );
}

export interface LoyaltyEvent {
  /** Unique per fact (the event's message id), so a retried transaction writes it once. */
  key: string;
  customerId: number;
  event: string;
  properties: Record<string, unknown>;
  at: Date;
}

/** Tier changes, coupon issues and redemptions, mall orders, referrals: timeline events like any tracked event. */
export async function emitEvents(tx: TenantTx, events: LoyaltyEvent[]) {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
     SELECT $1, u.key, u.cid, 'track', u.ev, u.props, u.ts
       FROM unnest($2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::timestamptz[]) AS u(key, cid, ev, props, ts)
     ON CONFLICT DO NOTHING`,
    [tx.workspaceId, events.map((e) => e.key), events.map((e) => e.customerId), events.map((e) => e.event),
     events.map((e) => JSON.stringify(e.properties)), events.map((e) => e.at)],
  );
}
