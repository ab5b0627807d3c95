import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { requirePermission } from '../http/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { loadCatalog } from '../segments/catalog.ts';
import { assertValidRule } from '../segments/validate.ts';
import { DEFAULT_LIFECYCLE, lifecycleConfigSchema, quadrantConfigSchema, rfmConfigSchema, RFM_CELLS, QUADRANTS } from './config.ts';
import { computeRfm } from './rfm.ts';
import { computeQuadrants } from './quadrant.ts';
import { applyLifecycle, lifecycleTagKey } from './lifecycle.ts';

type Model = 'rfm' | 'quadrant' | 'lifecycle';

async function configOf(tx: TenantTx, model: Model) {
  const { rows } = await tx.query(`SELECT config, summary, computed_at FROM layer_models WHERE model = $1`, [model]);
  const defaults = { rfm: rfmConfigSchema.parse({}), quadrant: quadrantConfigSchema.parse({}), lifecycle: DEFAULT_LIFECYCLE }[model];
  return { config: rows[0]?.config ?? defaults, summary: rows[0]?.summary ?? null, computedAt: rows[0]?.computed_at ?? null };
}

async function save(tx: TenantTx, model: Model, config: unknown, summary: unknown, at: Date | null) {
  await tx.query(
    `INSERT INTO layer_models (workspace_id, model, config, summary, computed_at) VALUES ($1,$2,$3,$4,$5)
     ON CONFLICT (workspace_id, model) DO UPDATE SET config = $3, summary = $4, computed_at = COALESCE($5, layer_models.computed_at), updated_at = now()`,
    [tx.workspaceId, model, JSON.stringify(config), JSON.stringify(summary ?? {}), at],
  );
}

export function registerLayerRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/layers', { config: { auth: 'manage' }, schema: { tags: ['layers'], summary: 'Layer models: configuration, last results, and what each cell means' } }, async (req) => {
    const actor = requirePermission(req, 'customers:read');
    return withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const lifecycle = await configOf(tx, 'lifecycle');
      const counts = await tx.query<{ key: string; coverage: number }>(`SELECT key, coverage FROM tags WHERE key LIKE 'lifecycle\\_%' AND deleted_at IS NULL`);
      const byKey = new Map(counts.rows.map((c) => [c.key, c.coverage]));
      return {
        rfm: { ...(await configOf(tx, 'rfm')), cells: RFM_CELLS },
        quadrant: { ...(await configOf(tx, 'quadrant')), quadrants: QUADRANTS },
        lifecycle: { ...lifecycle, stages: (lifecycle.config as typeof DEFAULT_LIFECYCLE).stages.map((s) => ({ ...s, tag: lifecycleTagKey(s.key), customers: byKey.get(lifecycleTagKey(s.key)) ?? null })) },
      };
    });
  });

  const computeRoute = <S extends z.ZodTypeAny>(model: 'rfm' | 'quadrant', schema: S, run: (tx: TenantTx, config: z.infer<S>, now: Date) => Promise<unknown>) => {
    r.put(`/v1/layers/${model}`, {
      config: { auth: 'manage' },
      schema: { tags: ['layers'], summary: `Configure and compute the ${model} layer model`, body: z.object({ config: schema }) },
    }, async (req) => {
      const actor = requirePermission(req, 'customers:write');
      const now = ctx.clock.now();
      const { config } = req.body as { config: z.infer<S> };
      const summary = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
        const s = await run(tx, config, now);
        await save(tx, model, config, s, now);
        await audit(tx, actor, `layer.${model}.compute`, { type: 'layer', id: model }, { config });
        return s;
      });
      await engine.recomputeAll(actor.workspaceId);
      return { computedAt: now.toISOString(), summary };
    });
  };
  computeRoute('rfm', rfmConfigSchema, computeRfm);
  computeRoute('quadrant', quadrantConfigSchema, computeQuadrants);

  r.put('/v1/layers/lifecycle', {
    config: { auth: 'manage' },
    schema: { tags: ['layers'], summary: 'Set the lifecycle stages (first matching rule wins); they stay current as rule tags', body: z.object({ config: lifecycleConfigSchema }) },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:write');
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
