// A workspace's points programme: how points are earned (per yuan by category, per action), multipliers, caps, when
// points expire and what happens when a refund takes back points already spent. Stored as one validated document.
import { z } from 'zod';
import type { TenantTx } from '../kernel/tenant.ts';
import { isValidTimeZone } from '../kernel/time.ts';

const multiplier = z.number().min(1, 'must be at least 1').max(10, 'must be at most 10');
const actionName = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'action names are lower_snake_case');

const benefitsSchema = z.object({
  /** Percent off list prices at checkout (the POS and mini-program read it). */
  discount: z.number().min(0).max(50, 'must be at most 50 (percent)').default(0),
  /** Multiplies points earned on orders, together with the other multipliers (and under their cap). */
  pointsMultiplier: multiplier.default(1),
  freeShipping: z.boolean().default(false),
  birthdayGift: z.string().max(100).nullable().default(null),
  /** Coupon templates only members of this tier may claim. */
  coupons: z.array(z.number().int().positive()).default([]),
});

const levelSchema = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,29}$/, 'tier keys are lower_snake_case'),
  name: z.string().min(1).max(30),
  /** Growth value over the rolling period that reaches this tier. */
  threshold: z.number().int().min(0),
  /** Growth value over the period needed to keep it at review (保级); defaults to the threshold. */
  retain: z.number().int().min(0).optional(),
  benefits: benefitsSchema.default(benefitsSchema.parse({})),
});

const DEFAULT_LEVELS = [
  { key: 'bronze', name: '铜卡', threshold: 0, benefits: benefitsSchema.parse({}) },
  { key: 'silver', name: '银卡', threshold: 1000, benefits: benefitsSchema.parse({ discount: 2, pointsMultiplier: 1.2 }) },
  { key: 'gold', name: '金卡', threshold: 5000, benefits: benefitsSchema.parse({ discount: 5, pointsMultiplier: 1.5, freeShipping: true, birthdayGift: '生日礼盒' }) },
  { key: 'diamond', name: '钻石卡', threshold: 20000, benefits: benefitsSchema.parse({ discount: 10, pointsMultiplier: 2, freeShipping: true, birthdayGift: '生日礼盒 + 专属顾问' }) },
];

export const tiersSchema = z.object({
  enabled: z.boolean().default(true),
  levels: z.array(levelSchema).min(1, 'at least one tier').max(10).default(DEFAULT_LEVELS).superRefine((levels, c) => {
    if (levels[0] && levels[0].threshold !== 0) c.addIssue({ code: 'custom', message: 'the first tier is the base tier and must have threshold 0', path: [0, 'threshold'] });
    levels.forEach((l, i) => {
      if (i > 0 && l.threshold <= levels[i - 1].threshold) c.addIssue({ code: 'custom', message: `must be above the previous tier's threshold (${levels[i - 1].threshold})`, path: [i, 'threshold'] });
      if (levels.findIndex((o) => o.key === l.key) !== i) c.addIssue({ code: 'custom', message: `duplicate tier key "${l.key}"`, path: [i, 'key'] });
    });
  }),
  growth: z.object({
    /** Growth value per yuan of net spend. */
    perYuan: z.number().min(0).max(100).default(1),
    /** Growth value per action (sign_in, review ...). */
    actions: z.record(actionName, z.number().int().min(0).max(100_000)).default({ sign_in: 1, review: 5 }),
  }).default({ perYuan: 1, actions: { sign_in: 1, review: 5 } }),
  /** Rolling period (days) growth is counted over, and how long a tier lasts before it is reviewed (保级). */
  periodDays: z.number().int().min(30).max(1095).default(365),
  /** Members short of the retention growth hear about it this many days before the review. */
  warnDays: z.number().int().min(0).max(180).default(30),
});
export type Tiers = z.infer<typeof tiersSchema>;
export type Level = Tiers['levels'][number];

export const referralSchema = z.object({
  enabled: z.boolean().default(true),
  /** What the invitee must do for both sides to be rewarded. */
  qualifyingEvent: z.enum(['registration', 'first_order']).default('first_order'),
  referrerPoints: z.number().int().min(0).max(1_000_000).default(200),
  inviteePoints: z.number().int().min(0).max(1_000_000).default(100),
  referrerCoupon: z.number().int().positive().nullable().default(null),
  inviteeCoupon: z.number().int().positive().nullable().default(null),
  /** Task (裂变任务): this many qualified invitees within the window earn the bonus, once per window. */
  task: z.object({ invites: z.number().int().min(1).max(100), withinDays: z.number().int().min(1).max(365), points: z.number().int().min(1).max(1_000_000) }).nullable()
    .default({ invites: 3, withinDays: 7, points: 500 }),
});
export type Referral = z.infer<typeof referralSchema>;

export const programSchema = z.object({
  enabled: z.boolean().default(true),
  /** Orders placed before this earn nothing (imported history); set to the moment the programme is first saved. */
  startsAt: z.iso.datetime({ offset: true }).optional(),
  /** Orders in other currencies earn nothing (and say so in the order's ledger detail). */
  currency: z.literal('CNY').default('CNY'),
  /** Local time zone for "per day" caps, weekday multipliers and birthday months. */
  timezone: z.string().default('Asia/Shanghai').refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai'),
  earn: z.object({
    /** Points per yuan of net spend. */
    perYuan: z.number().min(0, 'must not be negative').max(100).default(1),
    /** Per-category rates replacing perYuan for items of that category (e.g. { "sports": 2 }). */
    categories: z.record(z.string().min(1), z.number().min(0).max(100)).default({}),
  }).default({ perYuan: 1, categories: {} }),
  actions: z.record(actionName, z.object({
    points: z.number().int('must be whole points').positive('must be above 0').max(1_000_000),
    /** How many times a member may earn it per local day (0 = no limit). */
    perDay: z.number().int().min(0).default(1),
    /** How many times in total (0 = no limit): profile completion once, referrals many times. */
    total: z.number().int().min(0).default(0),
  })).default({
    sign_in: { points: 5, perDay: 1, total: 0 },
    review: { points: 20, perDay: 3, total: 0 },
    profile_completed: { points: 100, perDay: 1, total: 1 },
    referral: { points: 200, perDay: 0, total: 0 },
  }),
  multipliers: z.object({
    /** ISO weekday (1 = Monday ... 7 = Sunday) → multiplier, e.g. { "5": 2 } for double points on Fridays. */
    weekdays: z.record(z.string().regex(/^[1-7]$/, 'weekdays are 1 (Monday) to 7 (Sunday)'), multiplier).default({}),
    /** Multiplier in the member's birthday month. */
    birthdayMonth: multiplier.default(1),
    campaigns: z.array(z.object({
      name: z.string().min(1).max(100),
      from: z.iso.datetime({ offset: true }),
      to: z.iso.datetime({ offset: true }),
      multiplier,
    }).refine((c) => c.from < c.to, { message: 'must end after it starts', path: ['to'] })).default([]),
    /** Multipliers multiply; the product is capped here so stacked promotions cannot run away. */
    max: z.number().min(1).max(20).default(5),
  }).default({ weekdays: {}, birthdayMonth: 1, campaigns: [], max: 5 }),
  /** Earned points per member per local day, all sources together (0 = no cap). */
  dailyCap: z.number().int().min(0).default(0),
  expiry: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('end_of_following_year') }),
    z.object({ kind: z.literal('days'), days: z.number().int().min(1).max(3650) }),
    z.object({ kind: z.literal('never') }),
  ]).default({ kind: 'end_of_following_year' }),
  /**
   * A refund takes back the points its order earned. When they were already spent: 'allow' lets the balance go
   * negative (a debt later earnings repay first); 'forgive' takes what is there and records the shortfall.
   */
  negativeBalance: z.enum(['allow', 'forgive']).default('allow'),
  /** Minutes a hold (a redemption awaiting confirmation) lasts before it is released by itself. */
  holdMinutes: z.number().int().min(1).max(7 * 24 * 60).default(30),
  /** Members hear (points_expiring) this many days before points expire; 0 = never. */
  expiringNoticeDays: z.number().int().min(0).max(365).default(30),
  tiers: tiersSchema.default(tiersSchema.parse({})),
  referral: referralSchema.default(referralSchema.parse({})),
});
export type Program = z.infer<typeof programSchema>;

export const DEFAULT_PROGRAM: Program = programSchema.parse({});

export type LoadedProgram = Program & { version: number; configured: boolean };

export async function loadProgram(tx: TenantTx): Promise<LoadedProgram> {
  const { rows } = await tx.query<{ settings: unknown; version: number }>(`SELECT settings, version FROM loyalty_programs WHERE workspace_id = $1`, [tx.workspaceId]);
  if (!rows[0]) return { ...DEFAULT_PROGRAM, version: 0, configured: false };
  return { ...programSchema.parse(rows[0].settings), version: rows[0].version, configured: true };
}

export async function saveProgram(tx: TenantTx, program: Program, actor: string) {
  const { rows } = await tx.query<{ version: number }>(
    `INSERT INTO loyalty_programs (workspace_id, settings, updated_by) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id) DO UPDATE SET settings = $2, version = loyalty_programs.version + 1, updated_by = $3, updated_at = now()
     RETURNING version`,
    [tx.workspaceId, JSON.stringify(program), actor],
  );
  return rows[0].version;
}
