// Recording orders and refunds. An order is idempotent by its external order_id, a refund by refund_id: a replay
// returns what was stored the first time. Orders resolve their buyer through the identity graph like events do.
import type { AppContext } from '../../kernel/context.ts';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError, badRequest, notFound } from '../../kernel/errors.ts';
import { IdentityResolver, type ResolveRequest } from '../../identity/resolver.ts';
import { type Identifier, type IdType, normalizeIdentifier } from '../../identity/identifiers.ts';
import { recomputeStats } from '../../identity/stats.ts';
import type { OrderInput, RefundInput } from './schema.ts';
import { rootOf } from '../../identity/roots.ts';

const REF_TYPES: [keyof NonNullable<OrderInput['customer']>, IdType][] = [
  ['user_id', 'user_id'], ['member_no', 'member_no'], ['unionid', 'unionid'], ['phone', 'phone'], ['email', 'email'],
  ['wecom_external_userid', 'wecom_external_userid'], ['openid', 'openid'], ['douyin_openid', 'douyin_openid'], ['anonymous_id', 'anonymous_id'],
];

export function identifiersOfCustomer(ref: OrderInput['customer'] | undefined, warnings: { field: string; message: string }[], prefix = 'customer.'): Identifier[] {
  const out: Identifier[] = [];
  if (!ref) return out;
  for (const [key, type] of REF_TYPES) {
    const raw = ref[key];
    if (raw === undefined || raw === '') continue;
    const n = normalizeIdentifier(type, raw);
    if (n.ok) out.push({ type, scope: type === 'openid' ? ref.openid_app_id ?? '' : '', value: n.value });
    else warnings.push({ field: `${prefix}${key}`, message: `${n.reason}; ignored` });
  }
  return out;
}

export interface StoredOrder {
  order_id: string;
  kind: 'sale' | 'return';
  customer_id: number | null;
  status: 'paid' | 'partially_refunded' | 'refunded';
  currency: string;
  amount: number;
  refunded_amount: number;
  items: unknown[];
  channel: string | null;
  store: string | null;
  placed_at: string;
  duplicate?: boolean;
}

const ORDER_COLUMNS = `order_id, kind, customer_id, status, currency, amount, refunded_amount, items, channel, store, placed_at`;
const view = (r: any): StoredOrder => ({ ...r, placed_at: new Date(r.placed_at).toISOString() });

type Warning = { field: string; message: string };
export interface OrderAnswer {
  order?: StoredOrder;
  warnings: Warning[];
}
interface Pending extends OrderAnswer {
  input: OrderInput;
  ids: Identifier[];
}

/** Records many orders in one transaction; each answer holds the stored order (duplicate: true on a replay). */
export async function recordOrders(ctx: AppContext, tx: TenantTx, orders: OrderInput[], source = 'order', changed?: number[]): Promise<OrderAnswer[]> {
  const ws = tx.workspaceId;
  const existing = await tx.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE workspace_id = $1 AND order_id = ANY($2)`, [ws, orders.map((o) => o.order_id)]);
  const known = new Map(existing.rows.map((r: any) => [r.order_id, view(r)]));
  const fresh: Pending[] = [];
  const repeats: { answer: OrderAnswer; of: Pending }[] = [];
  const freshById = new Map<string, Pending>();
  const answers: OrderAnswer[] = orders.map((input) => {
    const warnings: Warning[] = [];
    const prior = known.get(input.order_id);
    if (prior) return { order: { ...prior, duplicate: true }, warnings };
    const earlier = freshById.get(input.order_id);
    if (earlier) {
      // A repeat inside one batch is a replay too: it answers with the order its first copy stores.
      const answer: OrderAnswer = { warnings };
      repeats.push({ answer, of: earlier });
      return answer;
    }
    const entry: Pending = { input, warnings, ids: identifiersOfCustomer(input.customer, warnings) };
    fresh.push(entry);
    freshById.set(input.order_id, entry);
    return entry;
  });
  const withIds = fresh.filter((f) => f.ids.length > 0);
  const requests: ResolveRequest[] = withIds.map((f) => ({ identifiers: f.ids, source, at: new Date(f.input.placed_at) }));
  const resolver = await IdentityResolver.forTransaction(ctx, tx);
  const customerIds = requests.length ? await resolver.resolve(requests) : [];
  changed?.push(...customerIds, ...resolver.mergedAway);
  const customerOf = new Map(withIds.map((f, i) => [f, customerIds[i]]));
  if (fresh.length > 0) {
    const { rows } = await tx.query(
      `INSERT INTO orders (workspace_id, order_id, kind, customer_id, status, refunded_amount, currency, amount, items, channel, store, placed_at, properties)
       SELECT $1, o, k, c, CASE WHEN k = 'return' THEN 'refunded' ELSE 'paid' END, CASE WHEN k = 'return' THEN amt ELSE 0 END,
              cur, amt, it, ch, st, pa, pr
         FROM unnest($2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::jsonb[], $7::text[], $8::text[], $9::timestamptz[], $10::jsonb[], $11::text[])
              AS u(o, c, cur, amt, it, ch, st, pa, pr, k)
       ON CONFLICT (workspace_id, order_id) DO NOTHING
       RETURNING ${ORDER_COLUMNS}`,
      [ws, fresh.map((f) => f.input.order_id), fresh.map((f) => customerOf.get(f) ?? null), fresh.map((f) => f.input.currency),
       fresh.map((f) => f.input.amount), fresh.map((f) => JSON.stringify(f.input.items)), fresh.map((f) => f.input.channel ?? null),
       fresh.map((f) => f.input.store ?? null), fresh.map((f) => new Date(f.input.placed_at)), fresh.map((f) => JSON.stringify(f.input.properties)), fresh.map((f) => f.input.kind)],
    );
    const inserted = new Map(rows.map((r: any) => [r.order_id, view(r)]));
    // Not inserted means another request stored the same order_id a moment ago: answer with that one.
    const raced = fresh.filter((f) => !inserted.has(f.input.order_id)).map((f) => f.input.order_id);
    const others = raced.length ? await tx.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE workspace_id = $1 AND order_id = ANY($2)`, [ws, raced]) : { rows: [] };
    for (const r of others.rows) inserted.set(r.order_id, { ...view(r), duplicate: true });
    for (const f of fresh) f.order = inserted.get(f.input.order_id);
    const stored = fresh.map((f) => f.order).filter((o): o is StoredOrder => !!o && !o.duplicate);
    for (const hook of ctx.hooks.list('orders')) await hook.ordersRecorded(tx, stored);
    await touchBuyers(tx, [...new Set(customerIds)], fresh.filter((f) => customerOf.has(f)).map((f) => ({ id: customerOf.get(f)!, at: new Date(f.input.placed_at), channel: f.input.channel })));
  }
  for (const r of repeats) r.answer.order = r.of.order && { ...r.of.order, duplicate: true };
  return answers.map((a) => ({ order: a.order, warnings: a.warnings }));
}

async function touchBuyers(tx: TenantTx, roots: number[], seen: { id: number; at: Date; channel?: string }[]) {
  if (roots.length === 0) return;
  await recomputeStats(tx, roots);
  await tx.query(
    `UPDATE customers c SET last_seen_at = GREATEST(c.last_seen_at, u.at), first_seen_at = LEAST(c.first_seen_at, u.at),
            source_channel = COALESCE(c.source_channel, u.ch)
       FROM (SELECT id, max(at) AS at, (array_agg(ch ORDER BY at) FILTER (WHERE ch IS NOT NULL))[1] AS ch
               FROM unnest($2::bigint[], $3::timestamptz[], $4::text[]) AS t(id, at, ch) GROUP BY id) u
      WHERE c.workspace_id = $1 AND c.id = u.id`,
    [tx.workspaceId, seen.map((s) => s.id), seen.map((s) => s.at), seen.map((s) => s.channel ?? null)],
  );
}

export async function getOrder(tx: TenantTx, orderId: string): Promise<StoredOrder> {
  const { rows } = await tx.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE workspace_id = $1 AND order_id = $2`, [tx.workspaceId, orderId]);
  if (!rows[0]) throw notFound(`order ${orderId}`);
  return view(rows[0]);
}

export async function recordRefund(ctx: AppContext, tx: TenantTx, orderId: string, input: RefundInput, now = ctx.clock.now()): Promise<{ order: StoredOrder; duplicate: boolean }> {
  const ws = tx.workspaceId;
  const { rows } = await tx.query<{ id: number; amount: number; refunded_amount: number; customer_id: number | null }>(
    `SELECT id, amount, refunded_amount, customer_id FROM orders WHERE workspace_id = $1 AND order_id = $2 FOR UPDATE`,
    [ws, orderId],
  );
  const order = rows[0];
  if (!order) throw notFound(`order ${orderId}`);
  const prior = await tx.query<{ order_pk: number; amount: number }>(`SELECT order_pk, amount FROM refunds WHERE workspace_id = $1 AND refund_id = $2`, [ws, input.refund_id]);
  if (prior.rows[0]) {
    if (prior.rows[0].order_pk !== order.id) throw new AppError(409, 'conflict', `refund_id: ${input.refund_id} already refunds a different order`, [{ field: 'refund_id', message: 'already used for another order' }]);
    return { order: await getOrder(tx, orderId), duplicate: true };
  }
  const refundable = order.amount - order.refunded_amount;
  if (input.amount > refundable) throw badRequest('amount', `${input.amount} exceeds what is left to refund on ${orderId} (${refundable})`);
  await tx.query(
    `INSERT INTO refunds (workspace_id, refund_id, order_pk, amount, items, reason, refunded_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [ws, input.refund_id, order.id, input.amount, JSON.stringify(input.items), input.reason ?? null, input.refunded_at ? new Date(input.refunded_at) : now],
  );
  await tx.query(
    `UPDATE orders SET refunded_amount = refunded_amount + $3,
            status = CASE WHEN refunded_amount + $3 >= amount THEN 'refunded' ELSE 'partially_refunded' END, updated_at = now()
      WHERE workspace_id = $1 AND id = $2`,
    [ws, order.id, input.amount],
  );
  if (order.customer_id !== null) {
    await recomputeStats(tx, [await rootOf(tx, order.customer_id)]);
  }
  const after = await getOrder(tx, orderId);
  for (const hook of ctx.hooks.list('orders')) await hook.refundRecorded(tx, after, { refund_id: input.refund_id, amount: input.amount });
  return { order: after, duplicate: false };
}
