// Loyalty operations as the rest of the platform calls them: orders earn (inside the order's transaction, so an
// acknowledged order never misses its points and a replayed one never earns twice), refunds take points back in
// proportion, actions earn within their limits. Each posts ledger entries and their timeline events.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, badRequest } from '../kernel/errors.ts';
import { localDayBounds } from '../kernel/time.ts';
import type { StoredOrder } from '../ingest/orders/orders.ts';
import type { OrderHook } from '../ingest/orders/hooks.ts';
import { expiryFor, orderGrowth, quoteOrder } from './earn.ts';
import { addGrowth, memberTiers, tiersOn } from './tiers.ts';
import { earn, earnMany, type Entry, lockAccount, lockAccounts, replayed, reverse } from './ledger.ts';
import { type LoadedProgram, loadProgram, type Program } from './program.ts';
import { emitEntries } from './events.ts';
import { qualifyOnOrders } from './referrals/referrals.ts';
import { rootOf } from '../identity/roots.ts';

const earning = (p: Program & { configured: boolean }) => p.configured && p.enabled;

export function loyaltyOrderHook(ctx: AppContext): OrderHook {
  return {
    async ordersRecorded(tx, orders) {
      const program = await loadProgram(tx);
      if (!earning(program)) return;
      // History imported from before the programme started does not earn.
      const earningOrders = orders.filter((o) => o.kind === 'sale' && o.customer_id !== null && !(program.startsAt && new Date(o.placed_at) < new Date(program.startsAt)));
      if (earningOrders.length === 0) return;
      const entries = await earnForOrders(ctx, tx, program, earningOrders, ctx.clock.now());
      await emitEntries(tx, entries);
    },
    async refundRecorded(tx, order, refund) {
      const program = await loadProgram(tx);
      if (order.customer_id === null) return;
      const entry = await reverseForRefund(tx, program, order, refund, ctx.clock.now());
      if (entry) await emitEntries(tx, [entry]);
      if (tiersOn(program)) await reverseGrowth(tx, program, order, refund, ctx.clock.now());
    },
  };
}

/**
 * A batch of orders earns points, each at the tier its member held when the batch arrived (an order's own growth
 * lifts the tier for later orders), then adds its growth value; invitees' first orders qualify their referrals.
 * Set-based: a fixed number of statements per batch, whatever its size.
 */
async function earnForOrders(ctx: AppContext, tx: TenantTx, program: LoadedProgram, orders: StoredOrder[], now: Date): Promise<Entry[]> {
  const ids = [...new Set(orders.map((o) => o.customer_id!))];
  const { rows } = await tx.query<{ id: string; root: string; birthday: string | null }>(
    `SELECT c.id, c.canonical_id AS root, r.pii->>'birthday' AS birthday FROM customers c
       JOIN customers r ON r.workspace_id = c.workspace_id AND r.id = c.canonical_id
      WHERE c.workspace_id = $1 AND c.id = ANY($2::bigint[])`,
    [tx.workspaceId, ids],
  );
  const rootOf = new Map(rows.map((r) => [Number(r.id), Number(r.root)]));
  const birthMonthOf = new Map(rows.map((r) => [Number(r.root), r.birthday ? monthOf(ctx.pii.decrypt(r.birthday)) : null]));
  const roots = [...new Set(rootOf.values())];
  await lockAccounts(tx, roots, now);
  const tiers = tiersOn(program) ? await memberTiers(tx, program.tiers, roots) : null;
  const items = orders.map((order) => {
    const root = rootOf.get(order.customer_id!)!;
    const tier = tiers?.get(root)?.level;
    const quote = quoteOrder(program, order, birthMonthOf.get(root) ?? null, tier ? { name: tier.name, multiplier: tier.benefits.pointsMultiplier } : undefined);
    return {
      root, points: quote.points, sourceType: 'order', sourceId: order.order_id, key: `order:${order.order_id}`, expiresAt: expiryFor(program, now),
      detail: { amount: order.amount, base: quote.base, multiplier: quote.multiplier, applied: quote.applied, ...(tier ? { tier: tier.key } : {}) },
    };
  });
  const entries = await earnMany(tx, program, items, now);
  if (tiersOn(program)) {
    const growth = orders.map((order, i) => ({ order, root: items[i].root, value: orderGrowth(program, order), fresh: !entries[i].duplicate }))
      .filter((g) => g.value > 0 && g.fresh)
      .map((g) => ({ root: g.root, value: g.value, sourceType: 'order', sourceId: g.order.order_id, key: `order:${g.order.order_id}`, detail: { amount: g.order.amount } }));
    await addGrowth(tx, program, growth, now);
  }
  await qualifyOnOrders(tx, program, roots, now);
  return entries;
}

const monthOf = (birthday: string) => {
  const m = /^\d{4}-?(\d{2})/.exec(birthday);
  return m ? Number(m[1]) : null;
};

/**
 * What a refund takes back of what an order earned: the refunded share of the money, less what earlier refunds of
 * the order took. Cumulative, so partial refunds that add up to the whole order take back exactly what was earned,
 * whatever the rounding of each.
 */
const refundShare = (earned: number, order: StoredOrder, alreadyTaken: number) => Math.floor((earned * order.refunded_amount) / order.amount) - alreadyTaken;

/** A refund takes back the order's growth value in proportion, like its points. */
async function reverseGrowth(tx: TenantTx, program: Program, order: StoredOrder, refund: { refund_id: string }, now: Date) {
  const { rows } = await tx.query<{ value: string; customer_id: string; prior: string | null }>(
    `SELECT g.value, g.customer_id,
            (SELECT sum(-r.value) FROM growth_entries r WHERE r.workspace_id = g.workspace_id AND r.source_type = 'refund' AND r.detail->>'order' = $3) AS prior
       FROM growth_entries g WHERE g.workspace_id = $1 AND g.idempotency_key = $2`,
    [tx.workspaceId, `order:${order.order_id}`, order.order_id],
  );
  const earned = rows[0];
  if (!earned) return;
  const take = refundShare(Number(earned.value), order, Number(earned.prior ?? 0));
  if (take <= 0) return;
  const root = await rootOf(tx, Number(earned.customer_id));
  await lockAccount(tx, root, now);
  await addGrowth(tx, program, [{
    root, value: -take, sourceType: 'refund', sourceId: refund.refund_id, key: `refund:${refund.refund_id}`, detail: { order: order.order_id }, reachedAfter: new Date(order.placed_at),
  }], now);
}

/** A refund takes back the share of the order's points that its money was. */
export async function reverseForRefund(tx: TenantTx, program: Program, order: StoredOrder, refund: { refund_id: string }, now: Date): Promise<Entry | null> {
  const { rows } = await tx.query<{ id: string; points: string; customer_id: string; lot: string | null }>(
    `SELECT e.id, e.points, e.customer_id, (SELECT l.id FROM points_lots l WHERE l.workspace_id = e.workspace_id AND l.entry_id = e.id) AS lot
       FROM points_entries e WHERE e.workspace_id = $1 AND e.idempotency_key = $2`,
    [tx.workspaceId, `order:${order.order_id}`],
  );
  const earned = rows[0];
  if (!earned || Number(earned.points) === 0) return null;
  const prior = await tx.query<{ n: string | null }>(
    `SELECT sum((detail->>'target')::bigint) AS n FROM points_entries WHERE workspace_id = $1 AND source_type = 'refund' AND detail->>'order' = $2`,
    [tx.workspaceId, order.order_id],
  );
  const target = refundShare(Number(earned.points), order, Number(prior.rows[0].n ?? 0));
  if (target <= 0) return null;
  // The points follow the member through merges: reverse on the account that holds them now.
  const root = await rootOf(tx, Number(earned.customer_id));
  return reverse(tx, program, root, target, {
    sourceType: 'refund', sourceId: refund.refund_id, key: `refund:${refund.refund_id}`, lot: earned.lot ? Number(earned.lot) : undefined,
    detail: { order: order.order_id, target, refunded: order.refunded_amount, amount: order.amount },
  }, now);
}

/** An action (sign-in, review ...) earns its points, within its per-day and total limits. Idempotent by action id. */
export async function earnAction(ctx: AppContext, tx: TenantTx, customerId: number, action: string, actionId: string): Promise<Entry> {
  const program = await loadProgram(tx);
  if (!earning(program)) throw new AppError(409, 'no_programme', 'the points programme is not set up or is paused: PUT /v1/loyalty/program first');
  const rule = program.actions[action];
  if (!rule) throw badRequest('action', `unknown action "${action}"; the programme defines: ${Object.keys(program.actions).join(', ')}`);
  const root = await rootOf(tx, customerId);
  const now = ctx.clock.now();
  const key = `action:${action}:${actionId}`;
  // The limits are counted under the account lock that earn() takes; take it first so two sign-ins cannot both pass.
  // A replay skips the limits: earn() answers it with the original entry.
  await lockAccount(tx, root, now);
  if (!(await replayed(tx, key, root))) {
    const { start, end } = localDayBounds(now, program.timezone);
    const { rows } = await tx.query<{ today: number; total: number }>(
      `SELECT count(*) FILTER (WHERE created_at >= $4 AND created_at < $5)::int AS today, count(*)::int AS total
         FROM points_entries WHERE workspace_id = $1 AND customer_id = $2 AND source_type = 'action' AND detail->>'action' = $3`,
      [tx.workspaceId, root, action, start, end],
    );
    if (rule.perDay > 0 && rows[0].today >= rule.perDay) throw new AppError(409, 'limit_reached', `action: ${action} earns at most ${rule.perDay} time(s) a day; try again tomorrow`, [{ field: 'action', message: 'daily limit reached' }]);
    if (rule.total > 0 && rows[0].total >= rule.total) throw new AppError(409, 'limit_reached', `action: ${action} earns at most ${rule.total} time(s) in all`, [{ field: 'action', message: 'limit reached' }]);
  }
  // Multipliers are for spend; an action earns its stated points.
  const entry = await earn(tx, program, root, rule.points, {
    sourceType: 'action', sourceId: actionId, key, expiresAt: expiryFor(program, now), detail: { action },
  }, now);
  const growth = program.tiers.growth.actions[action] ?? 0;
  if (tiersOn(program) && growth > 0 && !entry.duplicate) {
    await addGrowth(tx, program, [{ root, value: growth, sourceType: 'action', sourceId: actionId, key, detail: { action } }], now);
  }
  await emitEntries(tx, [entry]);
  return entry;
}
