// Using coupons at a till or in the mini-program: validate (what would they take off, and if not, why), lock them
// to a checkout reference, then confirm with the order id or release. A locked coupon cannot be used by a second
// checkout; a lock nobody confirms is released when it times out. Replays of lock and confirm answer the same.
import { z } from 'zod';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError, badRequest } from '../../kernel/errors.ts';
import { emitEvents } from '../events.ts';
import { couponView, type Coupon } from './issue.ts';
import { describe, templateView, type Template } from './templates.ts';

export const checkoutOrderSchema = z.object({
  /** Order value before coupons, fen. */
  amount: z.number().int('must be whole fen (cents)').min(0, 'must not be negative'),
  currency: z.literal('CNY', { message: 'coupons are in CNY' }).default('CNY'),
  items: z.array(z.object({
    sku: z.string().optional(),
    category: z.string().optional(),
    quantity: z.number().int().positive(),
    unit_price: z.number().int().min(0),
  })).default([]),
  shipping: z.number().int().min(0).default(0),
  store: z.string().optional(),
  channel: z.string().optional(),
});
export type CheckoutOrder = z.infer<typeof checkoutOrderSchema>;

export interface CouponVerdict {
  code: string;
  ok: boolean;
  discount: number;
  gift: string | null;
  text: string;
  reason?: string;
}

interface Loaded {
  coupon: Coupon & { root: number };
  template: Template;
}

async function load(tx: TenantTx, codes: string[], lock: boolean): Promise<Map<string, Loaded>> {
  const { rows } = await tx.query(
    `SELECT k.*, c.canonical_id AS root, row_to_json(t.*) AS template FROM coupons k
       JOIN coupon_templates t ON t.workspace_id = k.workspace_id AND t.id = k.template_id
       JOIN customers c ON c.workspace_id = k.workspace_id AND c.id = k.customer_id
      WHERE k.workspace_id = $1 AND k.code = ANY($2::text[]) ORDER BY k.id ${lock ? 'FOR UPDATE OF k' : ''}`,
    [tx.workspaceId, codes],
  );
  return new Map(rows.map((r: any) => [r.code, { coupon: { ...couponView(r), root: Number(r.root) }, template: templateView(r.template) }]));
}

/** Value of the order within the coupon's category scope. */
function scopedAmount(t: Template, order: CheckoutOrder): number {
  const cats = t.rules.scope.categories;
  if (cats.length === 0 || order.items.length === 0) return order.amount;
  const list = order.items.reduce((s, i) => s + i.quantity * i.unit_price, 0);
  const inScope = order.items.filter((i) => i.category && cats.includes(i.category)).reduce((s, i) => s + i.quantity * i.unit_price, 0);
  // Items' list value is scaled to the order amount, as points do: a basket discount falls on every item alike.
  return list === 0 ? 0 : Math.floor((order.amount * inScope) / list);
}

/** Why one coupon cannot be used on this order for this member, or its discount. */
function judge(l: Loaded | undefined, code: string, root: number, order: CheckoutOrder, now: Date, reference?: string): CouponVerdict {
  const no = (reason: string, text = ''): CouponVerdict => ({ code, ok: false, discount: 0, gift: null, text, reason });
  if (!l) return no('unknown coupon code');
  const { coupon: c, template: t } = l;
  const text = describe(t.rules).zh;
  if (c.root !== root) return no('belongs to another member', text);
  if (c.status === 'redeemed') return no(`already used${c.order_id ? ` on order ${c.order_id}` : ''}`, text);
  if (c.status === 'void') return no('was cancelled', text);
  if (c.status === 'locked' && c.lock_reference !== reference) return no(`in use by another checkout until ${c.locked_until?.toISOString()}`, text);
  if (now < c.valid_from) return no(`not valid before ${c.valid_from.toISOString()}`, text);
  if (now >= c.valid_to) return no(`expired on ${c.valid_to.toISOString()}`, text);
  if (t.status !== 'active') return no('its template is paused', text);
  const scope = t.rules.scope;
  if (scope.stores.length && (!order.store || !scope.stores.includes(order.store))) return no(`only in stores ${scope.stores.join(', ')}`, text);
  if (scope.channels.length && (!order.channel || !scope.channels.includes(order.channel))) return no(`only on channels ${scope.channels.join(', ')}`, text);
  const base = scopedAmount(t, order);
  if (base === 0) return no(`nothing in the order is in its categories (${scope.categories.join(', ')})`, text);
  if (base < t.rules.threshold) return no(`needs ¥${(t.rules.threshold / 100).toFixed(2)} of eligible goods; the order has ¥${(base / 100).toFixed(2)}`, text);
  const r = t.rules;
  const discount = r.kind === 'amount_off' ? Math.min(r.amountOff, base)
    : r.kind === 'percent_off' ? Math.min(Math.floor((base * r.percentOff) / 100), r.maxDiscount ?? Infinity)
    : r.kind === 'shipping' ? Math.min(r.shippingOff, order.shipping)
    : 0;
  return { code, ok: true, discount, gift: r.kind === 'gift' ? r.gift : null, text };
}

/**
 * The verdict on a set of coupons for one order: each coupon's discount or the reason it does not apply, the
 * stacking rule (an exclusive coupon alone, one coupon per template), and the total, never more than the order.
 */
function judgeAll(loaded: Map<string, Loaded>, codes: string[], root: number, order: CheckoutOrder, now: Date, reference?: string) {
  const verdicts = codes.map((code) => judge(loaded.get(code), code, root, order, now, reference));
  if (codes.length > 1) {
    const templates = new Set<number>();
    for (const v of verdicts) {
      const l = loaded.get(v.code);
      if (!v.ok || !l) continue;
      if (l.template.rules.stacking === 'exclusive') Object.assign(v, { ok: false, discount: 0, reason: 'cannot be combined with other coupons' });
      else if (templates.has(l.template.id)) Object.assign(v, { ok: false, discount: 0, reason: 'one coupon of a kind per order' });
      templates.add(l.template.id);
    }
  }
  let left = order.amount + order.shipping;
  for (const v of verdicts) {
    v.discount = Math.min(v.discount, left);
    left -= v.discount;
  }
  const ok = verdicts.every((v) => v.ok);
  return { ok, discount: ok ? verdicts.reduce((s, v) => s + v.discount, 0) : 0, coupons: verdicts };
}

const distinctCodes = (codes: string[]) => {
  if (new Set(codes).size !== codes.length) throw badRequest('codes', 'lists a coupon twice');
  return codes;
};

export async function validateCoupons(tx: TenantTx, root: number, codes: string[], order: CheckoutOrder, now: Date) {
  return judgeAll(await load(tx, distinctCodes(codes), false), codes, root, order, now);
}

/**
 * Locks the coupons to a checkout (all or none). A replay with the same reference answers with the lock; coupons
 * another checkout holds, or that do not apply, refuse the whole lock with each coupon's reason.
 */
export async function lockCoupons(tx: TenantTx, root: number, codes: string[], order: CheckoutOrder, reference: string, until: Date, now: Date) {
  const loaded = await load(tx, distinctCodes(codes), true);
  const mine = [...loaded.values()].filter((l) => l.coupon.lock_reference === reference);
  if (mine.length === codes.length && mine.every((l) => l.coupon.status !== 'issued')) {
    return { reference, duplicate: true, ok: true, discount: mine.reduce((s, l) => s + (l.coupon.discount ?? 0), 0), lockedUntil: mine[0].coupon.locked_until, coupons: mine.map((l) => ({ code: l.coupon.code, ok: true, discount: l.coupon.discount ?? 0, gift: null, text: describe(l.template.rules).zh })) };
  }
  const other = await tx.query(`SELECT 1 FROM coupons WHERE workspace_id = $1 AND lock_reference = $2 AND NOT (code = ANY($3::text[])) LIMIT 1`, [tx.workspaceId, reference, codes]);
  if (other.rows.length) throw new AppError(409, 'conflict', `reference: ${reference} already locks other coupons; release it or use a new reference`, [{ field: 'reference', message: 'already used' }]);
  const verdict = judgeAll(loaded, codes, root, order, now, reference);
  if (!verdict.ok) {
    const bad = verdict.coupons.filter((v) => !v.ok);
    throw new AppError(409, 'coupon_not_applicable', `codes: ${bad.map((b) => `${b.code} ${b.reason}`).join('; ')}`, bad.map((b) => ({ field: `codes.${codes.indexOf(b.code)}`, message: b.reason! })));
  }
  for (const v of verdict.coupons) {
    await tx.query(
      `UPDATE coupons SET status = 'locked', lock_reference = $3, locked_until = $4, discount = $5 WHERE workspace_id = $1 AND code = $2`,
      [tx.workspaceId, v.code, reference, until, v.discount],
    );
  }
  return { reference, ...verdict, lockedUntil: until };
}

/** Confirms a checkout: its locked coupons are used on the order. A replay answers with the same coupons. */
export async function confirmCoupons(tx: TenantTx, reference: string, orderId: string, now: Date): Promise<{ reference: string; orderId: string; coupons: Coupon[]; duplicate?: boolean }> {
  const { rows } = await tx.query(`SELECT * FROM coupons WHERE workspace_id = $1 AND lock_reference = $2 ORDER BY id FOR UPDATE`, [tx.workspaceId, reference]);
  if (rows.length === 0) throw new AppError(404, 'not_found', `reference: no coupons are locked under ${reference} (the lock may have timed out: lock them again)`, [{ field: 'reference', message: 'nothing locked' }]);
  const coupons = rows.map(couponView);
  if (coupons.every((c) => c.status === 'redeemed')) {
    if (coupons[0].order_id !== orderId) throw new AppError(409, 'conflict', `reference: ${reference} was confirmed for order ${coupons[0].order_id}`, [{ field: 'order_id', message: 'differs from the confirmed order' }]);
    return { reference, orderId, coupons, duplicate: true };
  }
  await tx.query(
    `UPDATE coupons SET status = 'redeemed', order_id = $3, redeemed_at = $4, locked_until = NULL WHERE workspace_id = $1 AND lock_reference = $2 AND status = 'locked'`,
    [tx.workspaceId, reference, orderId, now],
  );
  await emitEvents(tx, coupons.map((c) => ({
    key: `coupon-redeemed:${c.id}`, customerId: c.customer_id, event: 'coupon_redeemed', at: now,
    properties: { coupon_id: c.id, template_id: c.template_id, order_id: orderId, discount: c.discount },
  })));
  return { reference, orderId, coupons: coupons.map((c) => ({ ...c, status: 'redeemed' as const, order_id: orderId, redeemed_at: now })) };
}

/** Gives the checkout's coupons back (cancelled payment, or the lock timed out). */
export async function releaseCoupons(tx: TenantTx, reference: string): Promise<{ reference: string; released: number }> {
  const { rows } = await tx.query(
    `UPDATE coupons SET status = 'issued', lock_reference = NULL, locked_until = NULL, discount = NULL
      WHERE workspace_id = $1 AND lock_reference = $2 AND status = 'locked' RETURNING id`,
    [tx.workspaceId, reference],
  );
  return { reference, released: rows.length };
}
