import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { actorOf, requirePermission } from '../../access/auth.ts';
import { audit } from '../../access/audit.ts';
import { actorName, answer, idParams, memberParams } from '../http.ts';
import { attribute, decide, inviteCode } from './referrals.ts';
import { rootOf } from '../../identity/roots.ts';

export function registerReferralRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/loyalty/members/:customerId/invite', {
    config: { permission: 'loyalty:operate' },
    schema: { tags: ['loyalty'], summary: "The member's invite code and link, and how their invitations went", params: memberParams },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = await rootOf(tx, req.params.customerId);
    const code = await inviteCode(tx, root, ctx.clock.now());
    const { rows } = await tx.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM referrals WHERE workspace_id = $1 AND referrer_id = $2 GROUP BY status`, [actor.workspaceId, root]);
    return { customerId: root, code, path: `/invite/${code}`, invitations: Object.fromEntries(rows.map((x) => [x.status, x.n])) };
  });

  r.post('/v1/loyalty/referrals', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'An invitee used an invite code: attribute them (first code wins); rewards follow the qualifying event; suspicious referrals are held for review',
      body: z.object({ code: z.string().min(4).max(20), invitee_id: z.number().int().positive(), device_id: z.string().min(1).max(200).optional() }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const referral = await withTenant(ctx.db, actor.workspaceId, (tx) => attribute(ctx, tx, req.body.code, req.body.invitee_id, req.body.device_id ?? null, ctx.clock.now()));
    if (!referral.duplicate) ctx.changes.customersChanged(actor.workspaceId, [referral.referrer_id, referral.invitee_id]);
    return answer(reply, referral);
  });

  r.get('/v1/loyalty/referrals', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Referrals, newest first; status=held is the fraud review queue', querystring: z.object({ status: z.enum(['invited', 'qualified', 'rewarded', 'held', 'rejected']).optional() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT r.*, a.pii_masked->>'name' AS referrer_name, b.pii_masked->>'name' AS invitee_name FROM referrals r
         LEFT JOIN customers a ON a.workspace_id = r.workspace_id AND a.id = r.referrer_id
         LEFT JOIN customers b ON b.workspace_id = r.workspace_id AND b.id = r.invitee_id
        WHERE r.workspace_id = $1 AND ($2::text IS NULL OR r.status = $2) ORDER BY r.id DESC LIMIT 200`,
      [actor.workspaceId, req.query.status ?? null],
    );
    return {
      referrals: rows.map((x: any) => ({
        id: Number(x.id), referrerId: Number(x.referrer_id), referrerName: x.referrer_name, inviteeId: Number(x.invitee_id), inviteeName: x.invitee_name,
        status: x.status, fraud: x.fraud, deviceId: x.device_id, createdAt: x.created_at, qualifiedAt: x.qualified_at, decidedBy: x.decided_by,
      })),
    };
  });

  r.get('/v1/loyalty/referrals/leaderboard', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'Members who brought the most rewarded invitees (and how many are held or rejected)', querystring: z.object({ days: z.coerce.number().int().min(1).max(3650).default(30) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT r.referrer_id, c.pii_masked->>'name' AS name, count(*) FILTER (WHERE r.status = 'rewarded')::int AS rewarded,
              count(*) FILTER (WHERE r.status = 'invited')::int AS pending, count(*) FILTER (WHERE r.status = 'held')::int AS held,
              count(*) FILTER (WHERE r.status = 'rejected')::int AS rejected
         FROM referrals r LEFT JOIN customers c ON c.workspace_id = r.workspace_id AND c.id = r.referrer_id
        WHERE r.workspace_id = $1 AND r.created_at > $2 GROUP BY 1, 2 ORDER BY rewarded DESC, pending DESC, 1 LIMIT 50`,
      [actor.workspaceId, new Date(ctx.clock.now().getTime() - req.query.days * 86_400_000)],
    );
    return { leaders: rows.map((x: any) => ({ customerId: Number(x.referrer_id), name: x.name, rewarded: x.rewarded, pending: x.pending, held: x.held, rejected: x.rejected })) };
  });

  for (const decision of ['approve', 'reject'] as const) {
    r.post(`/v1/loyalty/referrals/:id/${decision}`, {
      config: { permission: 'loyalty:manage' },
      schema: { tags: ['loyalty'], summary: decision === 'approve' ? 'A held referral is genuine: pay its rewards' : 'A held referral is fraud: close it without rewards', params: idParams },
    }, async (req) => {
      const actor = actorOf(req);
      const tx = req.tx;
      const result = await decide(tx, req.params.id, decision, actorName(actor), ctx.clock.now());
      if (!result.duplicate) await audit(tx, actor, `loyalty.referral.${decision}`, { type: 'referral', id: result.id }, { fraud: result.fraud });
      return result;
    });
  }
}
