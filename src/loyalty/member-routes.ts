// Members as the console and a mini-program see them: the member list with tier and balance, one member's tier
// progress and history, tier sizes, and the wallet a mini-program front shows (balance, points expiring soon, tier
// progress, usable coupons, what the mall offers at the member's balance) in one call.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { getAccount } from './ledger.ts';
import { loadProgram } from './program.ts';
import { tierProgress } from './tiers.ts';
import { memberParams } from './http.ts';
import { describe } from './coupons/templates.ts';
import { rewardView } from './mall/mall.ts';
import { inviteCode } from './referrals/referrals.ts';
import { rootOf } from '../identity/roots.ts';

const DAY = 86_400_000;

export function registerMemberRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/loyalty/members', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['loyalty'], summary: 'Members with their tier and points, by balance',
      querystring: z.object({ tier: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).default(0) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const program = await loadProgram(tx);
    const base = program.tiers.levels[0].key;
    const { rows } = await tx.query(
      `WITH m AS (SELECT customer_id FROM points_accounts WHERE workspace_id = $1 UNION SELECT customer_id FROM member_tiers WHERE workspace_id = $1)
       SELECT c.id, c.pii_masked->>'name' AS name, COALESCE(t.tier, $2) AS tier, t.since, t.review_at,
              COALESCE(a.balance, 0) AS balance, COALESCE(a.held, 0) AS held, COALESCE(a.earned_total, 0) AS earned, count(*) OVER () AS total
         FROM m JOIN customers c ON c.workspace_id = $1 AND c.id = m.customer_id AND c.merged_into IS NULL
         LEFT JOIN points_accounts a ON a.workspace_id = $1 AND a.customer_id = m.customer_id
         LEFT JOIN member_tiers t ON t.workspace_id = $1 AND t.customer_id = m.customer_id
        WHERE ($3::text IS NULL OR COALESCE(t.tier, $2) = $3)
        ORDER BY balance DESC, c.id LIMIT $4 OFFSET $5`,
      [actor.workspaceId, base, req.query.tier ?? null, req.query.limit, req.query.offset],
    );
    const names = new Map(program.tiers.levels.map((l) => [l.key, l.name]));
    return {
      total: rows[0] ? Number(rows[0].total) : 0,
      members: rows.map((m: any) => ({
        customerId: Number(m.id), name: m.name, tier: m.tier, tierName: names.get(m.tier) ?? m.tier, since: m.since, reviewAt: m.review_at,
        balance: Number(m.balance), held: Number(m.held), earned: Number(m.earned),
      })),
    };
  });

  r.get('/v1/loyalty/tiers', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Tier levels with their members, and reviews coming up in the next 30 days' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const program = await loadProgram(tx);
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ tier: string; members: number; reviews: number }>(
      `SELECT tier, count(*)::int AS members, count(*) FILTER (WHERE review_at <= $2)::int AS reviews FROM member_tiers WHERE workspace_id = $1 GROUP BY tier`,
      [actor.workspaceId, new Date(now.getTime() + 30 * DAY)],
    );
    const by = new Map(rows.map((x) => [x.tier, x]));
    return { levels: program.tiers.levels.map((l) => ({ ...l, members: by.get(l.key)?.members ?? 0, reviewsWithin30Days: by.get(l.key)?.reviews ?? 0 })) };
  });

  r.get('/v1/loyalty/members/:customerId/tier', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: "A member's tier, growth, progress to the next tier, retention and tier history", params: memberParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const program = await loadProgram(tx);
    const { rows } = await tx.query(
      `SELECT from_tier, to_tier, reason, growth, created_at FROM tier_changes WHERE workspace_id = $1 AND customer_id = $2 ORDER BY id DESC LIMIT 50`, [actor.workspaceId, root],
    );
    return { customerId: root, ...(await tierProgress(tx, program, root, ctx.clock.now())), history: rows.map((h: any) => ({ from: h.from_tier, to: h.to_tier, reason: h.reason, growth: Number(h.growth), at: h.created_at })) };
  });

  r.get('/v1/loyalty/members/:customerId/wallet', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['loyalty'], params: memberParams,
      summary: 'Everything a mini-program member page shows in one call: points, points expiring within 30 days, tier progress, usable coupons, invite code, affordable mall rewards',
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const program = await loadProgram(tx);
    const now = ctx.clock.now();
    const account = await getAccount(tx, root);
    const expiring = await tx.query<{ points: string | null; first: Date | null }>(
      `SELECT sum(l.remaining) AS points, min(l.expires_at) AS first FROM points_lots l JOIN customers c ON c.workspace_id = l.workspace_id AND c.id = l.customer_id
        WHERE l.workspace_id = $1 AND c.canonical_id = $2 AND l.remaining > 0 AND l.expires_at > $3 AND l.expires_at <= $4`,
      [actor.workspaceId, root, now, new Date(now.getTime() + 30 * DAY)],
    );
    const coupons = await tx.query(
      `SELECT k.code, k.valid_to, t.id AS template_id, t.name, t.rules FROM coupons k
         JOIN customers c ON c.workspace_id = k.workspace_id AND c.id = k.customer_id
         JOIN coupon_templates t ON t.workspace_id = k.workspace_id AND t.id = k.template_id
        WHERE k.workspace_id = $1 AND c.canonical_id = $2 AND k.status = 'issued' AND k.valid_from <= $3 AND k.valid_to > $3 ORDER BY k.valid_to`,
      [actor.workspaceId, root, now],
    );
    const rewards = await tx.query(
      `SELECT * FROM mall_rewards WHERE workspace_id = $1 AND status = 'active' AND (stock IS NULL OR sold < stock) ORDER BY points_price`, [actor.workspaceId],
    );
    const e = expiring.rows[0];
    return {
      customerId: root,
      points: { balance: account.balance, held: account.held, expiringWithin30Days: Number(e.points ?? 0), firstExpiry: e.first ?? null },
      tier: program.configured ? await tierProgress(tx, program, root, now) : null,
      coupons: coupons.rows.map((c: any) => ({ code: c.code, templateId: Number(c.template_id), name: c.name, text: describe(c.rules), validTo: c.valid_to })),
      inviteCode: program.configured && program.referral.enabled ? await inviteCode(tx, root, now) : null,
      mall: rewards.rows.map(rewardView).map((x) => ({ ...x, affordable: x.pointsPrice <= account.balance })),
    };
  });
}
