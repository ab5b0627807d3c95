import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { can } from '../access/roles.ts';
import { audit } from '../access/audit.ts';
import { forbidden } from '../kernel/errors.ts';
import { customer360, listCustomers, timeline } from './customers.ts';

const boolParam = z.enum(['true', 'false']).transform((v) => v === 'true');

export function registerCustomerRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/customers', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['customers'], summary: 'List customers (newest activity first), search by phone, email, name or id',
      querystring: z.object({
        q: z.string().max(200).optional(),
        source: z.string().max(100).optional(),
        has_orders: boolParam.optional(),
        known: boolParam.optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().regex(/^[^|]+\|\d+$/, 'must be the nextCursor of a previous page').optional(),
      }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const q = req.query;
    const tx = req.tx;
    return listCustomers(tx, ctx.pii, { q: q.q, source: q.source, hasOrders: q.has_orders, known: q.known, limit: q.limit, cursor: q.cursor });
  });

  r.get('/v1/customers/:id', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['customers'], summary: 'Customer 360: profile, identities, stats, orders, merges',
      description: 'PII is masked. `reveal=true` shows it to roles with pii:read and is recorded in the audit log.',
      params: z.object({ id: z.coerce.number().int().positive() }),
      querystring: z.object({ reveal: boolParam.optional() }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const reveal = req.query.reveal === true;
    if (reveal && !can(actor.role, 'pii:read')) throw forbidden(`Your role (${actor.role}) may not read unmasked personal data; ask an admin`);
    const tx = req.tx;
    const view = await customer360(tx, ctx.pii, req.params.id, reveal);
    if (reveal) await audit(tx, actor, 'pii.read', { type: 'customer', id: view.id }, { fields: Object.keys(view.pii), identities: view.identities.length });
    return view;
  });

  r.get('/v1/customers/:id/timeline', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['customers'], summary: 'Unified timeline: events, orders, refunds, merges',
      params: z.object({ id: z.coerce.number().int().positive() }),
      querystring: z.object({
        limit: z.coerce.number().int().min(1).max(500).default(100),
        before: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time').optional(),
      }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      entries: await timeline(tx, req.params.id, req.query.limit, req.query.before ? new Date(req.query.before) : undefined),
    });
  });
}
