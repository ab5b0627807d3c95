// Loyalty changes as events on the member's timeline (points_earned, points_redeemed, points_expired ...), so tags,
// segments and journeys can use them like any tracked event. Written in the ledger's transaction, keyed by entry.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Entry } from './ledger.ts';
import { appendTimeline, type TimelineEntry } from '../customers/timeline.ts';

const EVENT_OF: Record<Entry['kind'], string> = {
  earn: 'points_earned', redeem: 'points_redeemed', hold: 'points_held', release: 'points_released',
  reverse: 'points_reversed', expire: 'points_expired', adjust: 'points_adjusted',
};

export async function emitEntries(tx: TenantTx, entries: Entry[]) {
  const fresh = entries.filter((e) => !e.duplicate && (e.points !== 0 || e.kind === 'redeem'));
  await appendTimeline(tx, fresh.map((e) => ({
    key: `points:${e.id}`, customerId: e.customer_id, event: EVENT_OF[e.kind], at: e.created_at,
    properties: { points: e.points, balance: e.balance ?? null, source_type: e.source_type, source_id: e.source_id, ...(e.detail.captured ? { captured: e.detail.captured } : {}) },
  })));
}

/** Tier changes, coupon issues and redemptions, mall orders, referrals: timeline events like any tracked event. */
export type LoyaltyEvent = TimelineEntry;

export async function emitEvents(tx: TenantTx, events: LoyaltyEvent[]) {
  await appendTimeline(tx, events);
}
