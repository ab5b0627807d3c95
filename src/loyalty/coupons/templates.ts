// Coupon templates (券模板): what a coupon takes off and when it applies. Four kinds — 满减 (amount off over a
// threshold), percent off with a cap, a gift, free shipping — with validity, per-member and total limits, stock,
// stacking and scope (categories, stores, channels). Stored as a validated document; stock and counters are columns.
// When a coupon is valid (fixed dates, or N days from issue) is worked out where it is issued, in siyu_issue_coupon.
import { z } from 'zod';
import type { TenantTx } from '../../kernel/tenant.ts';
import { notFound } from '../../kernel/errors.ts';

const fen = z.number().int('must be whole fen (cents)').min(0, 'must not be negative');

const common = {
  name: z.string().min(1).max(60),
  /** Total that may ever be issued; null = unlimited. */
  stock: z.number().int().min(0).max(100_000_000).nullable().default(null),
  /** Order value (fen) the coupon's scope must reach before it applies (满 threshold). */
  threshold: fen.default(0),
  validity: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('fixed'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
      .refine((v) => v.from < v.to, { message: 'must end after it starts', path: ['to'] }),
    z.object({ kind: z.literal('after_issue'), days: z.number().int().min(1).max(3650) }),
  ]).default({ kind: 'after_issue', days: 30 }),
  /** How many a member may hold over time (0 = no limit). */
  perCustomer: z.number().int().min(0).max(1000).default(1),
  /** Members may claim it for this many points (0: not claimable with points). */
  pointsPrice: z.number().int().min(0).max(100_000_000).default(0),
  scope: z.object({
    categories: z.array(z.string().min(1)).default([]),
    stores: z.array(z.string().min(1)).default([]),
    channels: z.array(z.string().min(1)).default([]),
  }).default({ categories: [], stores: [], channels: [] }),
  /** 'exclusive' coupons are used alone; 'stackable' ones combine with other stackable coupons. */
  stacking: z.enum(['exclusive', 'stackable']).default('exclusive'),
  /** Only members of these tiers may be issued it (empty: everyone). */
  tiers: z.array(z.string()).default([]),
};

export const templateSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('amount_off'), amountOff: fen.positive('must be above 0'), ...common })
    .refine((t) => t.threshold === 0 || t.threshold > t.amountOff, { message: 'must be above the amount off (满300减50), or 0 for no threshold', path: ['threshold'] }),
  z.object({ kind: z.literal('percent_off'), percentOff: z.number().int().min(1).max(99, 'must be 1-99'), maxDiscount: fen.positive().nullable().default(null), ...common }),
  z.object({ kind: z.literal('gift'), gift: z.string().min(1).max(100), ...common }),
  z.object({ kind: z.literal('shipping'), shippingOff: fen.positive('must be above 0'), ...common }),
]);
export type TemplateInput = z.infer<typeof templateSchema>;

export interface Template {
  id: number;
  name: string;
  kind: TemplateInput['kind'];
  rules: TemplateInput;
  stock: number | null;
  issued: number;
  redeemed: number;
  status: 'active' | 'paused';
  created_at: Date;
}

export const templateView = (r: any): Template => ({
  id: Number(r.id), name: r.name, kind: r.kind, rules: r.rules, stock: r.stock === null ? null : Number(r.stock),
  issued: Number(r.issued), redeemed: Number(r.redeemed ?? 0), status: r.status, created_at: r.created_at,
});

export async function createTemplate(tx: TenantTx, input: TemplateInput, actor: string, now: Date): Promise<Template> {
  const { rows } = await tx.query(
    `INSERT INTO coupon_templates (workspace_id, name, kind, rules, summary, stock, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [tx.workspaceId, input.name, input.kind, JSON.stringify(input), JSON.stringify(describe(input)), input.stock, actor, now],
  );
  return templateView(rows[0]);
}

/** Templates with their redemptions, counted from the coupons themselves (a template read without it shows 0). */
export const TEMPLATE_SELECT = `SELECT t.*, (SELECT count(*) FROM coupons k WHERE k.workspace_id = t.workspace_id AND k.template_id = t.id AND k.status = 'redeemed') AS redeemed
  FROM coupon_templates t`;

/** A template; `counted: false` skips counting redemptions (issuing needs only the stock counter). */
export async function getTemplate(tx: TenantTx, id: number, { counted = true } = {}): Promise<Template> {
  const sql = counted ? TEMPLATE_SELECT : `SELECT t.* FROM coupon_templates t`;
  const { rows } = await tx.query(`${sql} WHERE t.workspace_id = $1 AND t.id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`coupon template ${id}`);
  return templateView(rows[0]);
}

/** A short description for lists and the member's wallet: "满300减50", "8.5折 最多减20元". */
export function describe(t: TemplateInput): { zh: string; en: string } {
  const yuan = (f: number) => (f / 100).toFixed(f % 100 === 0 ? 0 : 2);
  const over = t.threshold > 0 ? { zh: `满${yuan(t.threshold)}`, en: ` over ¥${yuan(t.threshold)}` } : { zh: '', en: '' };
  switch (t.kind) {
    case 'amount_off': return { zh: `${over.zh || '立'}减${yuan(t.amountOff)}元`, en: `¥${yuan(t.amountOff)} off${over.en}` };
    case 'percent_off': {
      const cap = t.maxDiscount ? { zh: ` 最多减${yuan(t.maxDiscount)}元`, en: ` (up to ¥${yuan(t.maxDiscount)})` } : { zh: '', en: '' };
      return { zh: `${over.zh}${(100 - t.percentOff) / 10}折${cap.zh}`, en: `${t.percentOff}% off${over.en}${cap.en}` };
    }
    case 'gift': return { zh: `${over.zh}赠${t.gift}`, en: `Free ${t.gift}${over.en}` };
    case 'shipping': return { zh: `${over.zh}免运费(最多${yuan(t.shippingOff)}元)`, en: `Free shipping up to ¥${yuan(t.shippingOff)}${over.en}` };
  }
}
