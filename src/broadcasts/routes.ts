// HTTP API for broadcasts (群发): estimate an audience, create (now or scheduled), list with progress, pause,
// resume, cancel mid-way, and each recipient's status.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { actorName } from '../access/actor.ts';
import { loadPolicy } from '../messaging/policy.ts';
import { broadcastSchema } from './definition.ts';
import { broadcastProgress, controlBroadcast, createBroadcast, getBroadcast } from './store.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });

export function registerBroadcastRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const now = () => ctx.clock.now();

  r.post('/v1/broadcasts/estimate', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['broadcasts'], summary: "How many of a segment's members a broadcast on a channel could reach (consent for marketing)",
      body: z.object({ segment: z.string().min(1).max(100), channel: z.string().min(1).max(50), transactional: z.boolean().default(false) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const policy = await loadPolicy(tx);
    const { rows } = await tx.query<{ audience: number; granted: number; revoked: number }>(
      `SELECT count(*)::int AS audience, count(*) FILTER (WHERE c.granted)::int AS granted, count(*) FILTER (WHERE c.granted = false)::int AS revoked
         FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id
         LEFT JOIN consents c ON c.workspace_id = m.workspace_id AND c.customer_id = m.customer_id AND c.channel = $3 AND c.purpose = 'marketing'
        WHERE m.workspace_id = $1 AND s.key = $2 AND s.deleted_at IS NULL`,
      [actor.workspaceId, req.body.segment, req.body.channel],
    );
    const e = rows[0];
    const reachable = req.body.transactional ? e.audience : policy.consentDefault === 'opt_in' ? e.granted : e.audience - e.revoked;
    return { audience: e.audience, reachable, withoutConsent: e.audience - reachable, consentDefault: policy.consentDefault };
  });

  r.post('/v1/broadcasts', {
    config: { permission: 'journeys:manage', tenantTx: false },
    schema: { tags: ['broadcasts'], summary: 'Create a broadcast to a segment, now or at sendAt; throttled, through the send gate', body: broadcastSchema },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const created = await createBroadcast(tx, req.body, actorName(actor), now());
      await audit(tx, actor, 'broadcast.create', { type: 'broadcast', id: created.id }, { name: created.name, segment: created.segment, channel: created.channel });
      return created;
    });
    return reply.code(201).send(b);
  });

  r.get('/v1/broadcasts', { config: { permission: 'customers:read' }, schema: { tags: ['broadcasts'], summary: 'Broadcasts, newest first, with their progress' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(
      `SELECT b.*, (SELECT count(*)::int FROM broadcast_recipients r WHERE r.workspace_id = b.workspace_id AND r.broadcast_id = b.id AND r.status = 'pending') AS pending,
              (SELECT count(*)::int FROM outbox o WHERE o.workspace_id = b.workspace_id AND o.source_type = 'broadcast' AND o.source_id = b.id::text AND o.status = 'sent') AS sent
         FROM broadcasts b WHERE b.workspace_id = $1 ORDER BY b.id DESC LIMIT 200`, [actor.workspaceId]);
    return { broadcasts: rows };
  });

  r.get('/v1/broadcasts/:id', { config: { permission: 'customers:read' }, schema: { tags: ['broadcasts'], summary: 'A broadcast with its progress, outcomes by reason, opens, clicks and A/B variants', params: idParams } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return broadcastProgress(tx, req.params.id);
  });

  for (const action of ['pause', 'resume', 'cancel'] as const) {
    r.post(`/v1/broadcasts/:id/${action}`, {
      config: { permission: 'journeys:manage' },
      schema: { tags: ['broadcasts'], summary: action === 'cancel' ? 'Cancel: nothing more goes out; messages still waiting are withdrawn' : `${action[0].toUpperCase()}${action.slice(1)} a broadcast`, params: idParams },
    }, async (req) => {
      const actor = actorOf(req);
      const tx = req.tx;
      const b = await controlBroadcast(tx, req.params.id, action, now());
      await audit(tx, actor, `broadcast.${action}`, { type: 'broadcast', id: b.id }, {});
      return b;
    });
  }

  r.get('/v1/broadcasts/:id/recipients', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['broadcasts'], summary: "Each recipient's status: pending, queued (then the message's own: sent, failed), suppressed with the reason, cancelled",
      params: idParams,
      querystring: z.object({
        status: z.enum(['pending', 'queued', 'sent', 'failed', 'suppressed', 'cancelled']).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await getBroadcast(tx, req.params.id);
    const q = req.query;
    const { rows } = await tx.query(
      `SELECT r.customer_id, r.variant, COALESCE(o.status, r.status) AS status, COALESCE(o.reason, r.reason) AS reason, o.recipient_masked AS recipient,
              o.sent_at, o.opened_at, o.clicked_at, r.updated_at
         FROM broadcast_recipients r LEFT JOIN outbox o ON o.workspace_id = r.workspace_id AND o.id = r.outbox_id
        WHERE r.workspace_id = $1 AND r.broadcast_id = $2 AND ($3::text IS NULL OR COALESCE(o.status, r.status) = $3)
        ORDER BY r.customer_id LIMIT $4 OFFSET $5`,
      [actor.workspaceId, req.params.id, q.status ?? null, q.limit, q.offset],
    );
    return { recipients: rows };
  });
}
