// The points mall (积分商城): rewards priced in points or points + cash, with stock and per-member limits. An order
// paid in points alone spends them at once; one with a cash part holds the points until the payment is confirmed
// (or cancels itself when the hold times out). Refunds give the points back and return the stock.
import { z } from 'zod';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError, notFound } from '../../kernel/errors.ts';
import { adjust, hold, lockAccount, redeem, settleHold } from '../ledger.ts';
import { emitEntries, emitEvents } from '../events.ts';
import { expiryFor } from '../earn.ts';
import { loadProgram } from '../program.ts';
import { issueCoupon } from '../coupons/issue.ts';
import { getTemplate } from '../coupons/templates.ts';
import { rootOf } from '../../identity/roots.ts';

export const rewardSchema = z.object({
  name: z.string().min(1).max(60),
  description: z.string().max(500).default(''),
  kind: z.enum(['goods', 'coupon']),
  /** For kind 'coupon': the template a purchase issues. */
  couponTemplateId: z.number().int().positive().nullable().default(null),
  pointsPrice: z.number().int().min(0, 'must not be negative').max(100_000_000),
  /** Cash part in fen (points + cash), paid outside Siyu and confirmed with /pay. */
  cashPrice: z.number().int().min(0, 'must not be negative').default(0),
  stock: z.number().int().min(0).nullable().default(null),
  perCustomer: z.number().int().min(0).default(0),
  status: z.enum(['active', 'paused']).default('active'),
}).refine((r) => r.pointsPrice > 0 || r.cashPrice > 0, { message: 'a reward needs a points price, a cash price or both', path: ['pointsPrice'] })
  .refine((r) => r.kind !== 'coupon' || r.couponTemplateId !== null, { message: 'a coupon reward names its coupon template', path: ['couponTemplateId'] });
export type RewardInput = z.infer<typeof rewardSchema>;

export interface MallOrder {
  id: number;
  reward_id: number;
  customer_id: number;
  quantity: number;
  points: number;
  cash: number;
  status: 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
  reference: string;
  hold_id: number | null;
  coupon_ids: number[];
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  duplicate?: boolean;
}

const orderView = (r: any): MallOrder => ({
  ...r, id: Number(r.id), reward_id: Number(r.reward_id), customer_id: Number(r.customer_id), points: Number(r.points), cash: Number(r.cash),
  hold_id: r.hold_id === null ? null : Number(r.hold_id), workspace_id: undefined,
});

export const rewardView = (r: any) => ({
  id: Number(r.id), name: r.name, description: r.description, kind: r.kind, couponTemplateId: r.coupon_template_id === null ? null : Number(r.coupon_template_id),
  pointsPrice: Number(r.points_price), cashPrice: Number(r.cash_price), stock: r.stock === null ? null : Number(r.stock), sold: Number(r.sold),
  perCustomer: r.per_customer_limit, status: r.status, createdAt: r.created_at,
});

export async function saveReward(tx: TenantTx, input: RewardInput, now: Date, id?: number) {
  if (input.couponTemplateId !== null) await getTemplate(tx, input.couponTemplateId);
  const values = [tx.workspaceId, input.name, input.description, input.kind, input.couponTemplateId, input.pointsPrice, input.cashPrice, input.stock, input.perCustomer, input.status];
  const { rows } = id === undefined
    ? await tx.query(
      `INSERT INTO mall_rewards (workspace_id, name, description, kind, coupon_template_id, points_price, cash_price, stock, per_customer_limit, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`, [...values, now])
    : await tx.query(
      `UPDATE mall_rewards SET name = $2, description = $3, kind = $4, coupon_template_id = $5, points_price = $6, cash_price = $7, stock = $8, per_customer_limit = $9, status = $10
        WHERE workspace_id = $1 AND id = $11 RETURNING *`, [...values, id]);
  if (!rows[0]) throw notFound(`reward ${id}`);
  if (rows[0].stock !== null && rows[0].sold > rows[0].stock) throw new AppError(409, 'conflict', `stock: ${rows[0].sold} already sold; stock cannot go below that`, [{ field: 'stock', message: 'below what is sold' }]);
  return rewardView(rows[0]);
}

const refusal = (code: string, field: string, message: string) => new AppError(409, code, `${field}: ${message}`, [{ field, message }]);

/** Places an order for a reward: checks status, stock and the member's limit, then spends or holds the points. */
export async function placeOrder(tx: TenantTx, root: number, rewardId: number, quantity: number, reference: string, now: Date): Promise<MallOrder> {
  await lockAccount(tx, root, now);
  const prior = await tx.query(`SELECT * FROM mall_orders WHERE workspace_id = $1 AND reference = $2`, [tx.workspaceId, reference]);
  if (prior.rows[0]) {
    if (Number(prior.rows[0].customer_id) !== root) throw refusal('conflict', 'reference', `${reference} is another member's order`);
    return { ...orderView(prior.rows[0]), duplicate: true };
  }
  // The reward row is the stock's lock: orders for one reward are serialised from here to commit.
  const r = await tx.query(`SELECT * FROM mall_rewards WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [tx.workspaceId, rewardId]);
  const reward = r.rows[0];
  if (!reward) throw notFound(`reward ${rewardId}`);
  if (reward.status !== 'active') throw refusal('reward_paused', 'reward_id', `"${reward.name}" is not on sale`);
  if (reward.stock !== null && reward.sold + quantity > reward.stock) throw refusal('out_of_stock', 'quantity', `only ${reward.stock - reward.sold} of "${reward.name}" left`);
  if (reward.per_customer_limit > 0) {
    const mine = await tx.query<{ n: number }>(
      `SELECT COALESCE(sum(quantity), 0)::int AS n FROM mall_orders WHERE workspace_id = $1 AND customer_id = $2 AND reward_id = $3 AND status NOT IN ('cancelled','refunded')`,
      [tx.workspaceId, root, rewardId],
    );
    if (mine.rows[0].n + quantity > reward.per_customer_limit) throw refusal('limit_reached', 'quantity', `a member may buy ${reward.per_customer_limit} of "${reward.name}"; this member has ${mine.rows[0].n}`);
  }
  const points = Number(reward.points_price) * quantity;
  const cash = Number(reward.cash_price) * quantity;
  const program = await loadProgram(tx);
  const { rows } = await tx.query(
    `INSERT INTO mall_orders (workspace_id, reward_id, customer_id, quantity, points, cash, status, reference, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *`,
    [tx.workspaceId, rewardId, root, quantity, points, cash, cash > 0 ? 'pending_payment' : 'paid', reference, now],
  );
  let order = orderView(rows[0]);
  await tx.query(`UPDATE mall_rewards SET sold = sold + $3 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, rewardId, quantity]);
  if (cash > 0) {
    const h = points > 0 ? await hold(tx, program, root, points, `mall:${order.id}`, now) : null;
    const expires = h?.expires_at ?? new Date(now.getTime() + program.holdMinutes * 60_000);
    await tx.query(`UPDATE mall_orders SET hold_id = $3, expires_at = $4 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, order.id, h?.id ?? null, expires]);
    order = { ...order, hold_id: h?.id ?? null, expires_at: expires };
  } else {
    const entry = await redeem(tx, root, points, { sourceType: 'mall', sourceId: String(order.id), key: `mall:${order.id}`, detail: { reward: reward.name, quantity } }, now);
    await emitEntries(tx, [entry]);
    order = await fulfilCoupons(tx, order, reward, now);
  }
  await emitEvents(tx, [{ key: `mall-order:${order.id}`, customerId: root, event: 'mall_order_placed', at: now, properties: { order_id: order.id, reward: reward.name, quantity, points, cash, status: order.status } }]);
  return order;
}

/** A coupon reward is delivered as soon as it is paid: the coupons are issued and the order is fulfilled. */
async function fulfilCoupons(tx: TenantTx, order: MallOrder, reward: any, now: Date, root = order.customer_id): Promise<MallOrder> {
  if (reward.kind !== 'coupon') return order;
  const ids: number[] = [];
  for (let i = 0; i < order.quantity; i++) {
    const c = await issueCoupon(tx, Number(reward.coupon_template_id), root, { sourceType: 'mall', sourceId: String(order.id), key: `mall:${order.id}:${i}`, paid: true }, now);
    ids.push(c.id);
  }
  const { rows } = await tx.query(`UPDATE mall_orders SET status = 'fulfilled', coupon_ids = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2 RETURNING *`, [tx.workspaceId, order.id, JSON.stringify(ids), now]);
  return orderView(rows[0]);
}

async function lockOrder(tx: TenantTx, id: number, now: Date) {
  const found = await tx.query(`SELECT customer_id FROM mall_orders WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!found.rows[0]) throw notFound(`mall order ${id}`);
  // Points follow merges: the order's member may have been merged into another profile since.
  const root = await rootOf(tx, Number(found.rows[0].customer_id));
  await lockAccount(tx, root, now);
  const { rows } = await tx.query(`SELECT * FROM mall_orders WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [tx.workspaceId, id]);
  return { order: orderView(rows[0]), root };
}

const wrongState = (o: MallOrder, action: string) => new AppError(409, 'order_state', `order ${o.id} is ${o.status}; it cannot be ${action}`);

/** Each change of a mall order: the member's lock, the order's current state, what happens, the event. */
export async function changeOrder(tx: TenantTx, id: number, action: 'pay' | 'fulfil' | 'cancel' | 'refund', now: Date, actor?: string): Promise<MallOrder> {
  const { order, root } = await lockOrder(tx, id, now);
  const to = { pay: 'paid', fulfil: 'fulfilled', cancel: 'cancelled', refund: 'refunded' }[action];
  // Repeating a change that already happened answers with the order.
  if (order.status === to || (action === 'pay' && order.status === 'fulfilled')) return { ...order, duplicate: true };
  const allowed = { pay: ['pending_payment'], fulfil: ['paid'], cancel: ['pending_payment'], refund: ['paid', 'fulfilled'] }[action];
  if (!allowed.includes(order.status)) throw wrongState(order, { pay: 'paid', fulfil: 'fulfilled', cancel: 'cancelled', refund: 'refunded' }[action]);
  const reward = (await tx.query(`SELECT * FROM mall_rewards WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [tx.workspaceId, order.reward_id])).rows[0];
  if (action === 'pay' && order.hold_id) {
    const { entry } = await settleHold(tx, order.hold_id, 'capture', now, actor);
    if (entry) await emitEntries(tx, [entry]);
  }
  if (action === 'cancel') {
    if (order.hold_id) {
      const { entry } = await settleHold(tx, order.hold_id, 'release', now, actor);
      if (entry) await emitEntries(tx, [entry]);
    }
    await tx.query(`UPDATE mall_rewards SET sold = sold - $3 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, order.reward_id, order.quantity]);
  }
  if (action === 'refund') {
    const used = await tx.query(`SELECT code FROM coupons WHERE workspace_id = $1 AND id = ANY($2::bigint[]) AND status IN ('locked','redeemed')`, [tx.workspaceId, order.coupon_ids]);
    if (used.rows.length) throw new AppError(409, 'order_state', `order ${order.id}: its coupon ${used.rows[0].code} was already used; it cannot be refunded`);
    await tx.query(`UPDATE coupons SET status = 'void' WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [tx.workspaceId, order.coupon_ids]);
    if (order.points > 0) {
      const program = await loadProgram(tx);
      const entry = await adjust(tx, root, order.points, {
        sourceType: 'mall_refund', sourceId: String(order.id), key: `mall-refund:${order.id}`, actor, detail: { reward: reward.name }, expiresAt: expiryFor(program, now),
      }, now);
      await emitEntries(tx, [entry]);
    }
    await tx.query(`UPDATE mall_rewards SET sold = sold - $3 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, order.reward_id, order.quantity]);
  }
  const { rows } = await tx.query(`UPDATE mall_orders SET status = $3, updated_at = $4, expires_at = NULL WHERE workspace_id = $1 AND id = $2 RETURNING *`, [tx.workspaceId, id, to, now]);
  let updated = orderView(rows[0]);
  if (action === 'pay') updated = await fulfilCoupons(tx, updated, reward, now, root);
  await emitEvents(tx, [{ key: `mall-order:${id}:${to}`, customerId: root, event: `mall_order_${to}`, at: now, properties: { order_id: id, reward: reward.name, points: order.points, cash: order.cash } }]);
  return updated;
}
