// Issuing a coupon to a member — by an operator, a bulk job, a points purchase, the mall, a referral or a journey.
// Idempotent by key. The per-member limit holds under concurrency through a unique (template, member, slot); stock
// is taken last, by one conditional UPDATE of the template row (the database refuses issued > stock), so the hot
// row of a popular coupon is locked only for the end of each transaction. Both happen in siyu_issue_coupon
// (migrations/0012), one round trip per claim.
import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '../../kernel/db.ts';
import { type TenantTx, withTenant } from '../../kernel/tenant.ts';
import { AppError, notFound } from '../../kernel/errors.ts';
import { emitEntries } from '../events.ts';
import { loadProgram } from '../program.ts';
import { memberTier, tiersOn } from '../tiers.ts';
import { redeem } from '../ledger.ts';
import { templateView, type Template } from './templates.ts';

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

// Rows come from SQL (timestamps as Dates) or from siyu_issue_coupon's jsonb (timestamps as ISO text).
const at = (v: Date | string | null) => (v === null || v instanceof Date ? v : new Date(v));

export const couponView = (r: any): Coupon => ({
  ...r, id: Number(r.id), template_id: Number(r.template_id), customer_id: Number(r.customer_id),
  discount: r.discount === null ? null : Number(r.discount), slot: undefined, idempotency_key: undefined, workspace_id: undefined,
  valid_from: at(r.valid_from), valid_to: at(r.valid_to), locked_until: at(r.locked_until), issued_at: at(r.issued_at), redeemed_at: at(r.redeemed_at),
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

/** What siyu_issue_coupon (migrations/0012) answered. */
type Outcome =
  | { outcome: 'issued' | 'replay'; coupon: any }
  | { outcome: 'refused'; reason: 'template_paused' | 'template_ended' | 'out_of_stock' | 'coupon_limit' | 'busy'; template: any }
  | { outcome: 'gated'; template: any; root: number }
  | { outcome: 'no_template' | 'no_customer' };

// A few fresh codes per call: a code already taken (one in 32^12) costs the next one, not a round trip.
const CODES_PER_CALL = 3;

async function attempt(q: Queryable, ws: string, templateId: number, customerId: number, s: IssueSource, sourceType: string, now: Date, gatesChecked: boolean): Promise<Outcome> {
  const { rows } = await q.query<{ r: Outcome }>(
    `SELECT siyu_issue_coupon($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS r`,
    [ws, templateId, customerId, s.key, Array.from({ length: CODES_PER_CALL }, newCode), sourceType, s.sourceId, now, !!s.paid, gatesChecked],
  );
  return rows[0].r;
}

/** The coupon issued or replayed, or the refusal as an error that says why. */
function settle(o: Outcome, templateId: number, customerId: number): Coupon {
  switch (o.outcome) {
    case 'issued': return couponView(o.coupon);
    case 'replay': return { ...couponView(o.coupon), duplicate: true };
    case 'no_template': throw notFound(`coupon template ${templateId}`);
    case 'no_customer': throw notFound(`customer ${customerId}`);
    case 'gated': throw new Error('siyu_issue_coupon: gated after the gates were checked');
    case 'refused': {
      const t = templateView(o.template);
      switch (o.reason) {
        case 'template_paused': throw refused(o.reason, `template_id: "${t.name}" is paused; resume it to issue`);
        case 'template_ended': throw refused(o.reason, `template_id: "${t.name}" ended on ${(t.rules.validity as { to: string }).to}`);
        case 'out_of_stock': throw refused(o.reason, `template_id: "${t.name}" is out of stock (${t.stock} issued)`);
        case 'coupon_limit': throw refused(o.reason, `template_id: a member may hold ${t.rules.perCustomer} of "${t.name}"; this member has them already`);
        case 'busy': throw refused(o.reason, 'template_id: too many concurrent claims for this member; try again');
      }
    }
  }
}

/**
 * Issues one coupon of the template to the member (their surviving profile), inside the caller's tenant transaction.
 * Refused with a reason when the template is paused or over, the member's tier may not have it, the member reached
 * the per-member limit, or stock ran out. A template with a points price charges the points in the same transaction
 * unless the caller paid already (an operator claim of such a template is recorded as a points purchase).
 *
 * The database does the claim in one call (siyu_issue_coupon): a popular coupon is claimed by many at once, and
 * the stock is taken at the very end so its row is locked the least. Tier lists and points prices are checked here,
 * between a first call that answers "gated" and a second that issues.
 */
export async function issueCoupon(tx: TenantTx, templateId: number, customerId: number, s: IssueSource, now: Date): Promise<Coupon> {
  const first = await attempt(tx, tx.workspaceId, templateId, customerId, s, s.sourceType, now, false);
  if (first.outcome !== 'gated') return settle(first, templateId, customerId);
  const t = templateView(first.template);
  const root = Number(first.root);
  await assertTier(tx, t, root);
  const charge = t.rules.pointsPrice > 0 && !s.paid;
  const coupon = settle(await attempt(tx, tx.workspaceId, templateId, customerId, s, s.sourceType === 'operator' && charge ? 'points' : s.sourceType, now, true), templateId, customerId);
  if (charge && !coupon.duplicate) {
    const entry = await redeem(tx, root, t.rules.pointsPrice, { sourceType: 'coupon', sourceId: String(coupon.id), key: `coupon:${s.key}`, detail: { template: t.id, code: coupon.code } }, now);
    await emitEntries(tx, [entry]);
  }
  return coupon;
}

/**
 * issueCoupon as a transaction of its own: one round trip to the database when the template has no tier list and
 * no points price (the claim-centre rush), a tenant transaction around issueCoupon otherwise.
 */
export async function claimCoupon(db: Db, workspaceId: string, templateId: number, customerId: number, s: IssueSource, now: Date): Promise<Coupon> {
  const o = await attempt(db, workspaceId, templateId, customerId, s, s.sourceType, now, false);
  if (o.outcome !== 'gated') return settle(o, templateId, customerId);
  return withTenant(db, workspaceId, (tx) => issueCoupon(tx, templateId, customerId, s, now));
}

async function assertTier(tx: TenantTx, t: Template, root: number) {
  if (t.rules.tiers.length === 0) return;
  const program = await loadProgram(tx);
  const tier = tiersOn(program) ? (await memberTier(tx, program.tiers, root)).level.key : null;
  if (!tier || !t.rules.tiers.includes(tier)) throw refused('tier_required', `template_id: "${t.name}" is for ${t.rules.tiers.join(', ')} members; this member is ${tier ?? 'not in a tier'}`);
}
