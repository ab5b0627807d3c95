import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { loadCatalog } from '../rules/catalog.ts';
import { assertValidRule } from '../rules/validate.ts';
import { DEFAULT_LIFECYCLE, lifecycleConfigSchema, quadrantConfigSchema, rfmConfigSchema, RFM_CELLS, QUADRANTS } from './config.ts';
import { explainLayers } from './explain.ts';
import { computeLayer, layerConfig as configOf, refreshLayers, saveLayer as save } from './refresh.ts';
import { applyLifecycle, lifecycleTagKey } from './lifecycle.ts';

export function registerLayerRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/layers', { config: { permission: 'customers:read' }, schema: { tags: ['layers'], summary: 'Layer models: configuration, last results, and what each cell means' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const lifecycle = await configOf(tx, 'lifecycle');
    const counts = await tx.query<{ key: string; coverage: number }>(`SELECT key, coverage FROM tags WHERE key LIKE 'lifecycle\\_%' AND deleted_at IS NULL`);
    const byKey = new Map(counts.rows.map((c) => [c.key, c.coverage]));
    return {
      rfm: { ...(await configOf(tx, 'rfm')), cells: RFM_CELLS },
      quadrant: { ...(await configOf(tx, 'quadrant')), quadrants: QUADRANTS },
      lifecycle: { ...lifecycle, stages: (lifecycle.config as typeof DEFAULT_LIFECYCLE).stages.map((s) => ({ ...s, tag: lifecycleTagKey(s.key), customers: byKey.get(lifecycleTagKey(s.key)) ?? null })) },
    };
  });

  const computeRoute = (model: 'rfm' | 'quadrant', schema: typeof rfmConfigSchema | typeof quadrantConfigSchema) => {
    r.put(`/v1/layers/${model}`, {
      config: { permission: 'customers:write', tenantTx: false },
      schema: { tags: ['layers'], summary: `Configure and compute the ${model} layer model`, body: z.object({ config: schema }) },
    }, async (req) => {
      const actor = actorOf(req);
      const now = ctx.clock.now();
      const { config } = req.body as { config: z.infer<typeof schema> };
      const summary = await computeLayer(ctx, engine, actor.workspaceId, model, config, now, (tx) => audit(tx, actor, `layer.${model}.compute`, { type: 'layer', id: model }, { config }));
      await engine.recomputeAll(actor.workspaceId);
      return { computedAt: now.toISOString(), summary };
    });
  };
  computeRoute('rfm', rfmConfigSchema);
  computeRoute('quadrant', quadrantConfigSchema);

  r.post('/v1/layers/explain', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['layers'], summary: "Why customers are in their RFM cell and value quadrant: scores from their facts against the last run's cut points",
      body: z.object({ customerIds: z.array(z.number().int().positive()).min(1, 'name at least one customer').max(1000, 'at most 1,000 customers per request') }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return explainLayers(tx, req.body.customerIds);
  });

  r.post('/v1/layers/refresh', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['layers'], summary: 'Recompute RFM and the value quadrants with their saved configuration, then lifecycle stages and every rule (also done daily)' },
  }, async (req) => {
    const actor = actorOf(req);
    const now = ctx.clock.now();
    const timings = await refreshLayers(ctx, engine, actor.workspaceId, now);
    await withTenant(ctx.db, actor.workspaceId, (tx) => audit(tx, actor, 'layer.refresh', { type: 'layer', id: 'all' }, { ...timings }));
    return { computedAt: now.toISOString(), ...timings };
  });

  r.put('/v1/layers/lifecycle', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['layers'], summary: 'Set the lifecycle stages (first matching rule wins); they stay current as rule tags', body: z.object({ config: lifecycleConfigSchema }) },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const catalog = await loadCatalog(tx);
      req.body.config.stages.forEach((s, i) => assertValidRule(s.rule, catalog, { path: `config.stages.${i}.rule` }));
      await applyLifecycle(tx, req.body.config, `${actor.type}:${actor.id}`);
      await save(tx, 'lifecycle', req.body.config, {}, ctx.clock.now());
      await audit(tx, actor, 'layer.lifecycle.update', { type: 'layer', id: 'lifecycle' }, { config: req.body.config });
    });
    await engine.recomputeAll(actor.workspaceId);
    return withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const counts = await tx.query<{ key: string; name: string; coverage: number }>(`SELECT key, name, coverage FROM tags WHERE key LIKE 'lifecycle\\_%' AND deleted_at IS NULL`);
      return { stages: counts.rows };
    });
  });
}
