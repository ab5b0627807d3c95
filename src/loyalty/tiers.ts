// Membership tiers (会员等级): growth value (成长值) from spend and actions, counted over a rolling period. A member
// moves up as soon as the growth crosses a tier's threshold; a tier lasts one period, then is reviewed (保级): kept
// when the growth over the period reaches the tier's retention figure, otherwise lowered to what the growth supports.
// Members short of it are warned some days before. Benefits are data on the tier, read by checkout and coupons.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Level, Program, Tiers } from './program.ts';
import { emitEvents, type LoyaltyEvent } from './events.ts';
import { lockAccount } from './ledger.ts';

const DAY = 86_400_000;

export interface MemberTier {
  level: Level;
  since: Date | null;
  reviewAt: Date | null;
}

export const tiersOn = (p: Program & { configured?: boolean }) => p.configured !== false && p.enabled && p.tiers.enabled;

/** The highest tier whose threshold the growth reaches. */
export function levelFor(tiers: Tiers, growth: number): Level {
  let found = tiers.levels[0];
  for (const l of tiers.levels) if (growth >= l.threshold) found = l;
  return found;
}

const rank = (tiers: Tiers, key: string) => Math.max(0, tiers.levels.findIndex((l) => l.key === key));
const retainOf = (l: Level) => l.retain ?? l.threshold;

/**
 * Growth per member between `since` (excluded) and `until`, across each member's merged profiles: the profiles
 * first, then their entries by (customer, time), a plan that stays an index lookup however large the tables grow.
 * Entries made at the very start of a period are outside it: the growth that reached a tier does not also keep it.
 */
async function growthOf(tx: TenantTx, roots: number[], since: Date, until: Date): Promise<Map<number, number>> {
  const { rows } = await tx.query<{ root: string; n: string }>(
    `SELECT c.canonical_id AS root, sum(g.value) AS n FROM growth_entries g JOIN customers c ON c.workspace_id = g.workspace_id AND c.id = g.customer_id
      WHERE g.workspace_id = $1 AND g.customer_id = ANY(ARRAY(SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = ANY($2::bigint[])))
        AND g.created_at > $3 AND g.created_at <= $4 GROUP BY 1`,
    [tx.workspaceId, roots, since, until],
  );
  return new Map(rows.map((r) => [Number(r.root), Math.max(0, Number(r.n))]));
}

/** Growth over the rolling period ending `now` (or from `since`). */
export async function rollingGrowth(tx: TenantTx, tiers: Tiers, root: number, now: Date, since = new Date(now.getTime() - tiers.periodDays * DAY)): Promise<number> {
  return (await growthOf(tx, [root], since, now)).get(root) ?? 0;
}

/** Members' tiers; a member without one, or whose tier was removed from the programme, is on the base tier. */
export async function memberTiers(tx: TenantTx, tiers: Tiers, roots: number[]): Promise<Map<number, MemberTier>> {
  const { rows } = await tx.query<{ customer_id: string; tier: string; since: Date; review_at: Date | null }>(
    `SELECT customer_id, tier, since, review_at FROM member_tiers WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[])`, [tx.workspaceId, roots],
  );
  const found = new Map(rows.map((r) => [Number(r.customer_id), r]));
  return new Map(roots.map((root) => {
    const r = found.get(root);
    const level = r ? tiers.levels.find((l) => l.key === r.tier) : undefined;
    return [root, r && level ? { level, since: r.since, reviewAt: r.review_at } : { level: tiers.levels[0], since: r?.since ?? null, reviewAt: null }];
  }));
}

export async function memberTier(tx: TenantTx, tiers: Tiers, root: number): Promise<MemberTier> {
  return (await memberTiers(tx, tiers, [root])).get(root)!;
}

async function setTier(tx: TenantTx, tiers: Tiers, root: number, from: Level, to: Level, reason: string, growth: number, now: Date, reviewAt: Date | null): Promise<LoyaltyEvent> {
  await tx.query(
    `INSERT INTO member_tiers (workspace_id, customer_id, tier, since, review_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workspace_id, customer_id) DO UPDATE SET tier = $3, since = CASE WHEN member_tiers.tier = $3 THEN member_tiers.since ELSE $4 END, review_at = $5, warned_at = NULL`,
    [tx.workspaceId, root, to.key, now, reviewAt],
  );
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO tier_changes (workspace_id, customer_id, from_tier, to_tier, reason, growth, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [tx.workspaceId, root, from.key, to.key, reason, growth, now],
  );
  const event = reason === 'retained' ? 'tier_retained' : rank(tiers, to.key) > rank(tiers, from.key) ? 'tier_upgraded' : 'tier_downgraded';
  return { key: `tier:${rows[0].id}`, customerId: root, event, at: now, properties: { from: from.key, to: to.key, tier_name: to.name, reason, growth, review_at: reviewAt?.toISOString() ?? null } };
}

const reviewFrom = (tiers: Tiers, level: Level, start: Date) => (level === tiers.levels[0] ? null : new Date(start.getTime() + tiers.periodDays * DAY));

export interface GrowthItem {
  root: number;
  value: number;
  sourceType: string;
  sourceId: string;
  key: string;
  detail?: Record<string, unknown>;
  /** For a refund: when the refunded order was placed. */
  reachedAfter?: Date;
}

/**
 * Records growth for one member or an order batch (idempotent by key; a replay changes nothing) and moves members
 * up at once when their growth crosses a threshold; only members whose tier changes are touched one by one. A
 * refund lowers the tier only when the tier was reached after the refunded order was placed and the growth no
 * longer supports it: buying a tier and returning the goods does not keep it.
 */
export async function addGrowth(tx: TenantTx, program: Program, items: GrowthItem[], now: Date) {
  const tiers = program.tiers;
  if (items.length === 0) return;
  const { rows } = await tx.query<{ idempotency_key: string }>(
    `INSERT INTO growth_entries (workspace_id, customer_id, value, source_type, source_id, idempotency_key, detail, created_at)
     SELECT $1, u.cid, u.v, u.st, u.sid, u.k, u.d, $8 FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS u(cid, v, st, sid, k, d)
     ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
    [tx.workspaceId, items.map((i) => i.root), items.map((i) => i.value), items.map((i) => i.sourceType), items.map((i) => i.sourceId), items.map((i) => i.key), items.map((i) => JSON.stringify(i.detail ?? {})), now],
  );
  const inserted = new Set(rows.map((r) => r.idempotency_key));
  const fresh = items.filter((i) => inserted.has(i.key));
  const roots = [...new Set(fresh.map((i) => i.root))];
  if (roots.length === 0) return;
  const growth = await growthOf(tx, roots, new Date(now.getTime() - tiers.periodDays * DAY), now);
  const current = await memberTiers(tx, tiers, roots);
  const events: LoyaltyEvent[] = [];
  for (const root of roots) {
    const g = growth.get(root) ?? 0;
    const { level: was, since } = current.get(root)!;
    const target = levelFor(tiers, g);
    const refundedOrderBoughtIt = fresh.some((i) => i.root === root && i.value < 0 && i.reachedAfter && since && since >= i.reachedAfter);
    if (rank(tiers, target.key) > rank(tiers, was.key)) {
      events.push(await setTier(tx, tiers, root, was, target, 'upgrade', g, now, reviewFrom(tiers, target, now)));
    } else if (refundedOrderBoughtIt && rank(tiers, target.key) < rank(tiers, was.key)) {
      events.push(await setTier(tx, tiers, root, was, target, 'refund', g, now, reviewFrom(tiers, target, now)));
    }
  }
  await emitEvents(tx, events);
}

/**
 * A tier's period has ended: kept when the growth over the period reaches its retention figure (a new period
 * starts where the old one ended), otherwise lowered to the tier the growth supports.
 */
export async function reviewMember(tx: TenantTx, program: Program, root: number, now: Date): Promise<LoyaltyEvent[]> {
  const tiers = program.tiers;
  await lockAccount(tx, root, now);   // the member's lock, as every growth posting takes it
  const current = await memberTier(tx, tiers, root);
  if (!current.reviewAt || current.reviewAt > now) return [];
  const growth = await rollingGrowth(tx, tiers, root, current.reviewAt);
  if (growth >= retainOf(current.level)) {
    return [await setTier(tx, tiers, root, current.level, current.level, 'retained', growth, now, reviewFrom(tiers, current.level, current.reviewAt))];
  }
  const lower = levelFor(tiers, growth);
  return [await setTier(tx, tiers, root, current.level, lower, 'downgrade', growth, now, reviewFrom(tiers, lower, now))];
}

/** Growth so far that will still count at the review: made after the review's period began. */
const retentionGrowth = (tx: TenantTx, tiers: Tiers, root: number, reviewAt: Date, now: Date) =>
  rollingGrowth(tx, tiers, root, now, new Date(reviewAt.getTime() - tiers.periodDays * DAY));

/** The warning before a review, sent once per period and only to members short of the retention growth. */
export async function warnMember(tx: TenantTx, program: Program, root: number, now: Date): Promise<LoyaltyEvent[]> {
  const tiers = program.tiers;
  await lockAccount(tx, root, now);
  const current = await memberTier(tx, tiers, root);
  await tx.query(`UPDATE member_tiers SET warned_at = $3 WHERE workspace_id = $1 AND customer_id = $2`, [tx.workspaceId, root, now]);
  if (!current.reviewAt) return [];
  const growth = await retentionGrowth(tx, tiers, root, current.reviewAt, now);
  const needed = retainOf(current.level) - growth;
  if (needed <= 0) return [];
  return [{
    key: `tier-warning:${root}:${current.reviewAt.getTime()}`, customerId: root, event: 'tier_downgrade_warning', at: now,
    properties: { tier: current.level.key, tier_name: current.level.name, review_at: current.reviewAt.toISOString(), growth, needed, would_become: levelFor(tiers, growth).key },
  }];
}

export interface TierProgress {
  tier: { key: string; name: string; benefits: Level['benefits'] };
  since: string | null;
  growth: number;
  next: { key: string; name: string; threshold: number; needed: number; spendYuan: number | null } | null;
  retention: { reviewAt: string; needed: number; spendYuan: number | null } | null;
  /** For the member: "再消费200元可升级到金卡" or "Spend ¥200 more to reach Gold". */
  message: { zh: string; en: string };
}

/** Where the member stands: the tier and its benefits, what the next tier needs, what keeping this one needs. */
export async function tierProgress(tx: TenantTx, program: Program, root: number, now: Date): Promise<TierProgress> {
  const tiers = program.tiers;
  const current = await memberTier(tx, tiers, root);
  const growth = await rollingGrowth(tx, tiers, root, now);
  const next = tiers.levels[rank(tiers, current.level.key) + 1];
  const yuanFor = (g: number) => (tiers.growth.perYuan > 0 ? Math.ceil(g / tiers.growth.perYuan) : null);
  const nextNeeded = next ? Math.max(0, next.threshold - growth) : 0;
  const retainNeeded = current.reviewAt ? Math.max(0, retainOf(current.level) - (await retentionGrowth(tx, tiers, root, current.reviewAt, now))) : 0;
  let message = { zh: `您已是最高等级${current.level.name}`, en: `You hold the top tier, ${current.level.name}` };
  if (next) {
    const y = yuanFor(nextNeeded);
    message = y === null
      ? { zh: `再获得${nextNeeded}成长值可升级到${next.name}`, en: `${nextNeeded} more growth points to reach ${next.name}` }
      : { zh: `再消费${y}元可升级到${next.name}`, en: `Spend ¥${y} more to reach ${next.name}` };
  }
  return {
    tier: { key: current.level.key, name: current.level.name, benefits: current.level.benefits },
    since: current.since?.toISOString() ?? null,
    growth,
    next: next ? { key: next.key, name: next.name, threshold: next.threshold, needed: nextNeeded, spendYuan: yuanFor(nextNeeded) } : null,
    retention: current.reviewAt ? { reviewAt: current.reviewAt.toISOString(), needed: retainNeeded, spendYuan: yuanFor(retainNeeded) } : null,
    message,
  };
}
