import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { DEFAULT_CLV, fitClv } from './clv.ts';
import { Recommender } from './recommend-service.ts';
import { sendTimeFor } from './send-time.ts';
import { rootOf } from '../identity/roots.ts';

export function registerModelRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const recommender = new Recommender(ctx);

  r.get('/v1/customers/:id/send-time', {
    config: { permission: 'customers:read' },
    schema: { tags: ['predictions'], summary: "Best hour of the week to reach this customer (own engagement shrunk toward the base's pattern)", params: z.object({ id: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return sendTimeFor(tx, await rootOf(tx, req.params.id), ctx.clock.now());
  });

  r.post('/v1/models/recommend/fit', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['predictions'], summary: 'Rebuild the item-to-item recommendation model from the last year of orders and product views' },
  }, async (req) => recommender.rebuild(requirePermission(req, 'customers:write').workspaceId));

  r.get('/v1/customers/:id/recommendations', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: {
      tags: ['predictions'], summary: 'Next-best products for a customer (items bought in the last 30 days excluded)',
      params: z.object({ id: z.coerce.number().int().positive() }), querystring: z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) }),
    },
  }, async (req) => recommender.forCustomer(requirePermission(req, 'customers:read').workspaceId, req.params.id, req.query.limit));

  r.post('/v1/models/clv/fit', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: {
      tags: ['predictions'], summary: 'Fit BG/NBD + Gamma-Gamma on all orders and score every buyer (P(alive), 90-day purchases, CLV)',
      body: z.object({
        horizonMonths: z.number().int().min(1).max(120).default(DEFAULT_CLV.horizonMonths),
        annualDiscount: z.number().min(0).max(1).default(DEFAULT_CLV.annualDiscount),
      }).default({ horizonMonths: DEFAULT_CLV.horizonMonths, annualDiscount: DEFAULT_CLV.annualDiscount }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const res = await fitClv(tx, ctx.clock.now(), { ...DEFAULT_CLV, ...req.body });
      await audit(tx, actor, 'model.clv.fit', { type: 'model', id: 'clv' }, { status: res.status, versionId: res.versionId });
      return res;
    });
    if (result.status === 'active') {
      await engine.recomputeAll(actor.workspaceId);
      ctx.changes.customersChanged(actor.workspaceId, result.crossedIntoHighChurnRisk);
    }
    const { crossedIntoHighChurnRisk, ...summary } = result as typeof result & { crossedIntoHighChurnRisk?: number[] };
    return { ...summary, crossedIntoHighChurnRisk: crossedIntoHighChurnRisk?.length ?? 0 };
  });

  r.get('/v1/models/clv', {
    config: { permission: 'customers:read' },
    schema: { tags: ['predictions'], summary: 'CLV model versions with parameters, fit diagnostics and status' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const versions = await tx.query(`SELECT id, status, params, diagnostics, message, settings, trained_at FROM model_versions WHERE model = 'clv' ORDER BY id DESC LIMIT 50`);
    const dist = await tx.query(
      `SELECT width_bucket(p_alive, 0, 1.000001, 10) AS bucket, count(*)::int AS customers, avg(clv)::float8 AS avg_clv FROM predictions WHERE model = 'clv' GROUP BY 1 ORDER BY 1`);
    return { versions: versions.rows, pAliveDistribution: dist.rows };
  });
}
