// Issuing a coupon to a member — by an operator, a bulk job, a points purchase, the mall, a referral or a journey.
// Idempotent by key. The per-member limit holds under concurrency through a unique (template, member, slot); stock
// is taken last, by one conditional UPDATE of the template row (the database refuses issued > stock), so the hot
// row of a popular coupon is locked only for the end of each transaction.
import { randomBytes } from 'node:crypto';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError } from '../../kernel/errors.ts';
import { emitEntries, emitEvents } from '../events.ts';
import { loadProgram } from '../program.ts';
import { memberTier, tiersOn } from '../tiers.ts';
import { redeem } from '../ledger.ts';
import { describe, getTemplate, type Template, validityFor } from './templates.ts';

export interface Coupon {
  id: number;
  template_id: number;
  customer_id: number;
  code: string;
  status: 'issued' | 'locked' | 'redeemed' | 'void';
  valid_from: Date;
  valid_to: Date;
  source_type: string;
  source_id: string;
  lock_reference: string | null;
  locked_until: Date | null;
  order_id: string | null;
  discount: number | null;
  issued_at: Date;
  redeemed_at: Date | null;
  duplicate?: boolean;
}

export const couponView = (r: any): Coupon => ({
  ...r, id: Number(r.id), template_id: Number(r.template_id), customer_id: Number(r.customer_id),
  discount: r.discount === null ? null : Number(r.discount), slot: undefined, idempotency_key: undefined, workspace_id: undefined,
});

// Codes people can read out at a till: no 0/O or 1/I.
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export function newCode(): string {
  const bytes = randomBytes(12);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

export const refused = (code: string, message: string, field = 'template_id') => new AppError(409, code, message, [{ field, message }]);

export interface IssueSource {
  sourceType: 'operator' | 'bulk' | 'points' | 'mall' | 'referral' | 'journey' | 'tier';
  sourceId: string;
  key: string;
  /** Points were (or are being) paid by the caller: skip the template's own points price. */
  paid?: boolean;
}

/**
 * Issues one coupon of the template to the member (their surviving profile). Refused with a reason when the template
 * is paused or over, the member's tier may not have it, the member reached the per-member limit, or stock ran out.
 * A template with a points price charges the points in the same transaction unless the caller paid already.
 */
export async function issueCoupon(tx: TenantTx, templateId: number, root: number, s: IssueSource, now: Date): Promise<Coupon> {
  const prior = await tx.query(`SELECT * FROM coupons WHERE workspace_id = $1 AND idempotency_key = $2`, [tx.workspaceId, s.key]);
  if (prior.rows[0]) return { ...couponView(prior.rows[0]), duplicate: true };
  const t = await getTemplate(tx, templateId, { counted: false });
  await assertIssuable(tx, t, root, now);
  const { from, to } = validityFor(t.rules, now);

  // Claim the member's next slot; a concurrent claim of the same slot waits for the other and then looks again.
  let row: any;
  for (let attempt = 0; !row; attempt++) {
    const held = await tx.query<{ live: number; next: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'void')::int AS live, COALESCE(max(slot), 0)::int + 1 AS next
         FROM coupons WHERE workspace_id = $1 AND template_id = $2 AND customer_id = $3`,
      [tx.workspaceId, templateId, root],
    );
    if (t.rules.perCustomer > 0 && held.rows[0].live >= t.rules.perCustomer) {
      throw refused('coupon_limit', `template_id: a member may hold ${t.rules.perCustomer} of "${t.name}"; this member has them already`);
    }
    const inserted = await tx.query(
      `INSERT INTO coupons (workspace_id, template_id, customer_id, slot, code, valid_from, valid_to, source_type, source_id, idempotency_key, issued_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING *`,
      [tx.workspaceId, templateId, root, held.rows[0].next, newCode(), from, to, s.sourceType, s.sourceId, s.key, now],
    );
    row = inserted.rows[0];
    if (!row) {
      const same = await tx.query(`SELECT * FROM coupons WHERE workspace_id = $1 AND idempotency_key = $2`, [tx.workspaceId, s.key]);
      if (same.rows[0]) return { ...couponView(same.rows[0]), duplicate: true };
      if (attempt >= 5) throw refused('busy', 'template_id: too many concurrent claims for this member; try again');
    }
  }
  const coupon = couponView(row);
  if (t.rules.pointsPrice > 0 && !s.paid) {
    const entry = await redeem(tx, root, t.rules.pointsPrice, { sourceType: 'coupon', sourceId: String(coupon.id), key: `coupon:${s.key}`, detail: { template: t.id, code: coupon.code } }, now);
    await emitEntries(tx, [entry]);
  }
  await emitEvents(tx, [{
    key: `coupon-issued:${coupon.id}`, customerId: root, event: 'coupon_issued', at: now,
    properties: { coupon_id: coupon.id, template_id: t.id, template: t.name, kind: t.kind, text: describe(t.rules).zh, source: s.sourceType, valid_to: to.toISOString() },
  }]);
  // Last: take one from stock. The row lock lasts from here to commit.
  if (t.stock !== null) {
    const took = await tx.query(
      `UPDATE coupon_templates SET issued = issued + 1 WHERE workspace_id = $1 AND id = $2 AND issued < stock RETURNING issued`, [tx.workspaceId, templateId],
    );
    if (took.rows.length === 0) throw refused('out_of_stock', `template_id: "${t.name}" is out of stock (${t.stock} issued)`);
  } else {
    await tx.query(`UPDATE coupon_templates SET issued = issued + 1 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, templateId]);
  }
  return coupon;
}

async function assertIssuable(tx: TenantTx, t: Template, root: number, now: Date) {
  if (t.status !== 'active') throw refused('template_paused', `template_id: "${t.name}" is paused; resume it to issue`);
  if (t.rules.validity.kind === 'fixed' && new Date(t.rules.validity.to) <= now) throw refused('template_ended', `template_id: "${t.name}" ended on ${t.rules.validity.to}`);
  if (t.stock !== null && t.issued >= t.stock) throw refused('out_of_stock', `template_id: "${t.name}" is out of stock (${t.stock} issued)`);
  if (t.rules.tiers.length > 0) {
    const program = await loadProgram(tx);
    const tier = tiersOn(program) ? (await memberTier(tx, program.tiers, root)).level.key : null;
    if (!tier || !t.rules.tiers.includes(tier)) throw refused('tier_required', `template_id: "${t.name}" is for ${t.rules.tiers.join(', ')} members; this member is ${tier ?? 'not in a tier'}`);
  }
}
