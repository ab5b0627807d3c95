import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { adjust, entryView, getAccount, hold, redeem, settleHold } from './ledger.ts';
import { loadProgram, programSchema, saveProgram } from './program.ts';
import { earnAction } from './service.ts';
import { expiryFor } from './earn.ts';
import { emitEntries } from './events.ts';
import { actorName, answer, memberParams, reference } from './http.ts';
import { rootOf } from '../identity/roots.ts';

const member = memberParams;
const points = z.number().int('must be whole points').positive('must be above 0').max(100_000_000);

export function registerLoyaltyRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/loyalty/program', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'The points programme: earn rules, multipliers, caps, expiry, negative-balance policy' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return loadProgram(tx);
  });

  r.put('/v1/loyalty/program', {
    config: { permission: 'loyalty:manage' },
    schema: { tags: ['loyalty'], summary: 'Set up or change the points programme (a new version; orders placed before it first started earn nothing)', body: programSchema },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const current = await loadProgram(tx);
    const startsAt = req.body.startsAt ?? current.startsAt ?? ctx.clock.now().toISOString();
    const version = await saveProgram(tx, { ...req.body, startsAt }, actorName(actor));
    await audit(tx, actor, 'loyalty.program', null, { version });
    return { ...(await loadProgram(tx)), version };
  });

  r.get('/v1/loyalty/members/:customerId', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: "A member's points: balance, held, debt, live lots with their expiry, latest entries", params: member },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const account = await getAccount(tx, root);
    const lots = await tx.query(
      `SELECT l.id, l.points, l.remaining, l.earned_at, l.expires_at FROM points_lots l
         JOIN customers c ON c.workspace_id = l.workspace_id AND c.id = l.customer_id
        WHERE l.workspace_id = $1 AND c.canonical_id = $2 AND l.remaining > 0 ORDER BY l.expires_at NULLS LAST, l.id`,
      [actor.workspaceId, root],
    );
    const entries = await tx.query(
      `SELECT e.id, e.customer_id, e.kind, e.points, e.source_type, e.source_id, e.detail, e.actor, e.created_at FROM points_entries e
         JOIN customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id
        WHERE e.workspace_id = $1 AND c.canonical_id = $2 ORDER BY e.id DESC LIMIT 100`,
      [actor.workspaceId, root],
    );
    const holds = await tx.query(`SELECT id, points, reference, expires_at FROM points_holds WHERE workspace_id = $1 AND customer_id = $2 AND status = 'held'`, [actor.workspaceId, root]);
    return {
      customerId: root, ...account,
      lots: lots.rows.map((l: any) => ({ id: Number(l.id), points: Number(l.points), remaining: Number(l.remaining), earnedAt: l.earned_at, expiresAt: l.expires_at })),
      openHolds: holds.rows.map((h: any) => ({ id: Number(h.id), points: Number(h.points), reference: h.reference, expiresAt: h.expires_at })),
      entries: entries.rows.map(entryView),
    };
  });

  r.post('/v1/loyalty/members/:customerId/actions', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'An action that earns points (sign_in, review, profile_completed, referral ...), within its daily and total limits; idempotent by action_id',
      params: member, body: z.object({ action: z.string().min(1).max(40), action_id: reference }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const entry = await withTenant(ctx.db, actor.workspaceId, (tx) => earnAction(ctx, tx, req.params.customerId, req.body.action, req.body.action_id));
    return answer(reply, entry);
  });

  r.post('/v1/loyalty/members/:customerId/redemptions', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Spend points now; refused beyond the balance; a replay (same reference) returns the original entry',
      params: member, body: z.object({ points, reference, reason: z.string().max(200).optional() }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const entry = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const root = await rootOf(tx, req.params.customerId);
      const e = await redeem(tx, root, req.body.points, { sourceType: 'redemption', sourceId: req.body.reference, key: `redeem:${req.body.reference}`, actor: actorName(actor), detail: { reason: req.body.reason } }, ctx.clock.now());
      await emitEntries(tx, [e]);
      return e;
    });
    return answer(reply, entry);
  });

  r.post('/v1/loyalty/members/:customerId/adjustments', {
    config: { permission: 'loyalty:manage', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Operator correction (goodwill points, fixing a mistake): recorded with its reason and who made it',
      params: member,
      body: z.object({
        points: z.number().int('must be whole points').refine((n) => n !== 0, 'must not be 0').refine((n) => Math.abs(n) <= 10_000_000, 'must be within ±10,000,000'),
        reason: z.string().min(2, 'say why (shown in the member ledger)').max(200),
        reference,
      }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const entry = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const program = await loadProgram(tx);
      const root = await rootOf(tx, req.params.customerId);
      const now = ctx.clock.now();
      const e = await adjust(tx, root, req.body.points, { sourceType: 'operator', sourceId: req.body.reference, key: `adjust:${req.body.reference}`, actor: actorName(actor), detail: { reason: req.body.reason }, expiresAt: expiryFor(program, now) }, now);
      if (!e.duplicate) await audit(tx, actor, 'loyalty.adjust', { type: 'customer', id: root }, { points: req.body.points, reason: req.body.reason });
      await emitEntries(tx, [e]);
      return e;
    });
    return answer(reply, entry);
  });

  r.post('/v1/loyalty/members/:customerId/holds', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Set points aside for a redemption awaiting confirmation (POS, mall order); released by itself if not captured in time',
      params: member, body: z.object({ points, reference }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const h = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const program = await loadProgram(tx);
      const root = await rootOf(tx, req.params.customerId);
      return hold(tx, program, root, req.body.points, req.body.reference, ctx.clock.now());
    });
    return answer(reply, h);
  });

  for (const action of ['capture', 'release'] as const) {
    r.post(`/v1/loyalty/holds/:id/${action}`, {
      config: { permission: 'loyalty:operate' },
      schema: {
        tags: ['loyalty'], summary: action === 'capture' ? 'Confirm a hold: the points are spent' : 'Give the held points back',
        params: z.object({ id: z.coerce.number().int().positive() }),
      },
    }, async (req) => {
      const actor = actorOf(req);
      const tx = req.tx;
      const { entry, ...h } = await settleHold(tx, req.params.id, action, ctx.clock.now(), actorName(actor));
      if (entry) await emitEntries(tx, [entry]);
      return h;
    });
  }

  r.get('/v1/loyalty/liability', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Outstanding points by expiry month (the liability a brand carries), with totals' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const program = await loadProgram(tx);
    const { rows } = await tx.query<{ month: string | null; points: string; members: number }>(
      `SELECT to_char(expires_at AT TIME ZONE $2, 'YYYY-MM') AS month, sum(remaining) AS points, count(DISTINCT customer_id)::int AS members
         FROM points_lots WHERE workspace_id = $1 AND remaining > 0 GROUP BY 1 ORDER BY 1 NULLS LAST`,
      [actor.workspaceId, program.timezone],
    );
    const totals = await tx.query<{ members: number; balance: string; held: string; debt: string; earned: string; spent: string; expired: string }>(
      `SELECT count(*) FILTER (WHERE balance <> 0 OR held <> 0)::int AS members, COALESCE(sum(balance), 0) AS balance, COALESCE(sum(held), 0) AS held,
              COALESCE(sum(debt), 0) AS debt, COALESCE(sum(earned_total), 0) AS earned, COALESCE(sum(spent_total), 0) AS spent, COALESCE(sum(expired_total), 0) AS expired
         FROM points_accounts WHERE workspace_id = $1`,
      [actor.workspaceId],
    );
    const t = totals.rows[0];
    return {
      byExpiryMonth: rows.map((r) => ({ month: r.month ?? 'never', points: Number(r.points), members: r.members })),
      totals: { members: t.members, balance: Number(t.balance), held: Number(t.held), debt: Number(t.debt), earned: Number(t.earned), spent: Number(t.spent), expired: Number(t.expired) },
    };
  });
}
