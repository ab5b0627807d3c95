// Issuing a coupon to a member — by an operator, a bulk job, a points purchase, the mall, a referral or a journey.
// Idempotent by key. The per-member limit holds under concurrency through a unique (template, member, slot); stock
// is taken last, by one conditional UPDATE of the template row (the database refuses issued > stock), so the hot
// row of a popular coupon is locked only for the end of each transaction.
import { randomBytes } from 'node:crypto';
import type { TenantTx } from '../../kernel/tenant.ts';
import { AppError, notFound } from '../../kernel/errors.ts';
import { emitEntries } from '../events.ts';
import { loadProgram } from '../program.ts';
import { memberTier, tiersOn } from '../tiers.ts';
import { redeem } from '../ledger.ts';
import { describe, templateView, type Template, validityFor } from './templates.ts';

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
 * A template with a points price charges the points in the same transaction unless the caller paid already (an
 * operator claim of such a template is recorded as a points purchase).
 *
 * A claim is three statements in the common case, since a popular coupon is claimed by many at once: the template,
 * the member's surviving profile and any replay in one read; the member's next slot taken by one insert; the event
 * and the stock in one statement at the end.
 */
export async function issueCoupon(tx: TenantTx, templateId: number, customerId: number, s: IssueSource, now: Date): Promise<Coupon> {
  const ws = tx.workspaceId;
  const { rows: found } = await tx.query(
    `SELECT t.*, (SELECT c.id FROM coupons c WHERE c.workspace_id = $1 AND c.idempotency_key = $3) AS prior_id,
            (SELECT canonical_id FROM customers WHERE workspace_id = $1 AND id = $4) AS root
       FROM coupon_templates t WHERE t.workspace_id = $1 AND t.id = $2`,
    [ws, templateId, s.key, customerId],
  );
  if (!found[0]) throw notFound(`coupon template ${templateId}`);
  if (found[0].prior_id != null) return replayOf(tx, s.key);
  if (found[0].root == null) throw notFound(`customer ${customerId}`);
  const root = Number(found[0].root);
  const t = templateView(found[0]);
  await assertIssuable(tx, t, root, now);
  const { from, to } = validityFor(t.rules, now);
  const sourceType = s.sourceType === 'operator' && t.rules.pointsPrice > 0 && !s.paid ? 'points' : s.sourceType;

  // The member's next slot, if under the per-member limit; a concurrent claim of the same slot waits for the other
  // and then looks again.
  let row: any;
  for (let attempt = 0; !row; attempt++) {
    const inserted = await tx.query(
      `INSERT INTO coupons (workspace_id, template_id, customer_id, slot, code, valid_from, valid_to, source_type, source_id, idempotency_key, issued_at)
       SELECT $1, $2, $3, held.next, $4, $5, $6, $7, $8, $9, $10
         FROM (SELECT count(*) FILTER (WHERE status <> 'void') AS live, COALESCE(max(slot), 0) + 1 AS next
                 FROM coupons WHERE workspace_id = $1 AND template_id = $2 AND customer_id = $3) held
        WHERE $11::int = 0 OR held.live < $11::int
       ON CONFLICT DO NOTHING RETURNING *`,
      [ws, templateId, root, newCode(), from, to, sourceType, s.sourceId, s.key, now, t.rules.perCustomer],
    );
    row = inserted.rows[0];
    if (row) break;
    // Nothing inserted: a replay that raced us, the limit, or a slot another claim took first.
    const { rows: why } = await tx.query<{ replay: boolean; live: number }>(
      `SELECT EXISTS (SELECT 1 FROM coupons WHERE workspace_id = $1 AND idempotency_key = $4) AS replay,
              count(*) FILTER (WHERE status <> 'void')::int AS live FROM coupons WHERE workspace_id = $1 AND template_id = $2 AND customer_id = $3`,
      [ws, templateId, root, s.key],
    );
    if (why[0].replay) return replayOf(tx, s.key);
    if (t.rules.perCustomer > 0 && why[0].live >= t.rules.perCustomer) {
      throw refused('coupon_limit', `template_id: a member may hold ${t.rules.perCustomer} of "${t.name}"; this member has them already`);
    }
    if (attempt >= 5) throw refused('busy', 'template_id: too many concurrent claims for this member; try again');
  }
  const coupon = couponView(row);
  if (t.rules.pointsPrice > 0 && !s.paid) {
    const entry = await redeem(tx, root, t.rules.pointsPrice, { sourceType: 'coupon', sourceId: String(coupon.id), key: `coupon:${s.key}`, detail: { template: t.id, code: coupon.code } }, now);
    await emitEntries(tx, [entry]);
  }
  // Last: the timeline event and one from stock, together. The template row stays locked from here to commit.
  const event = {
    coupon_id: coupon.id, template_id: t.id, template: t.name, kind: t.kind, text: describe(t.rules).zh, source: sourceType, valid_to: to.toISOString(),
  };
  const { rows: took } = await tx.query(
    `WITH took AS (UPDATE coupon_templates SET issued = issued + 1 WHERE workspace_id = $1 AND id = $2 AND (stock IS NULL OR issued < stock) RETURNING issued),
          ev AS (INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
                 SELECT $1, $3, $4, 'track', 'coupon_issued', $5, $6 WHERE EXISTS (SELECT 1 FROM took) ON CONFLICT DO NOTHING)
     SELECT count(*)::int AS n FROM took`,
    [ws, templateId, `coupon-issued:${coupon.id}`, root, JSON.stringify(event), now],
  );
  if (took[0].n === 0) throw refused('out_of_stock', `template_id: "${t.name}" is out of stock (${t.stock} issued)`);
  return coupon;
}

async function replayOf(tx: TenantTx, key: string): Promise<Coupon> {
  const { rows } = await tx.query(`SELECT * FROM coupons WHERE workspace_id = $1 AND idempotency_key = $2`, [tx.workspaceId, key]);
  return { ...couponView(rows[0]), duplicate: true };
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
