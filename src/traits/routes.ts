import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { refuseIfUsed } from '../kernel/where-used.ts';
import { traitDefinitionSchema, valueType } from './definition.ts';

const body = z.object({
  key: z.string().regex(/^[a-z0-9_]{1,64}$/, 'use 1-64 lower-case letters, digits or _'),
  name: z.string().min(1).max(100),
  description: z.string().max(1000).default(''),
  definition: traitDefinitionSchema,
});

export function registerTraitRoutes(app: FastifyInstance, ctx: AppContext) {
  // The understanding engine is a higher layer's service (segments): reached through the registry, never imported.
  const engine = ctx.services.get('engine');
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/traits', { config: { permission: 'customers:read' }, schema: { tags: ['traits'], summary: 'Computed traits' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      traits: (await tx.query(
        `SELECT t.key, t.name, t.description, t.definition, t.value_type, t.updated_at,
                (SELECT count(*)::int FROM trait_values v WHERE v.workspace_id = t.workspace_id AND v.trait_id = t.id AND (v.num IS NOT NULL AND v.num <> 0 OR v.txt IS NOT NULL)) AS coverage
           FROM computed_traits t WHERE t.deleted_at IS NULL ORDER BY t.key`)).rows,
    });
  });

  r.post('/v1/traits', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['traits'], summary: 'Define a computed trait (computed for everyone now, then kept current)', body },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const exists = await tx.query(`SELECT 1 FROM computed_traits WHERE key = $1 AND deleted_at IS NULL`, [b.key]);
      if (exists.rows.length) throw conflict(`key: a trait "${b.key}" already exists`);
      await tx.query(`INSERT INTO computed_traits (workspace_id, key, name, description, definition, value_type, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [actor.workspaceId, b.key, b.name, b.description, JSON.stringify(b.definition), valueType(b.definition), `${actor.type}:${actor.id}`]);
      await audit(tx, actor, 'trait.create', { type: 'trait', id: b.key }, { definition: b.definition });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `trait ${b.key} defined`);
    reply.status(201);
    return { key: b.key, valueType: valueType(b.definition), recompute };
  });

  r.delete('/v1/traits/:key', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['traits'], summary: 'Delete a trait no rule uses', params: z.object({ key: z.string() }) },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await refuseIfUsed(ctx, tx, { field: `computed.${req.params.key}` }, `trait ${req.params.key}`);
      const res = await tx.query(`UPDATE computed_traits SET deleted_at = now() WHERE key = $1 AND deleted_at IS NULL RETURNING id`, [req.params.key]);
      if (!res.rows[0]) throw notFound(`trait ${req.params.key}`);
      await tx.query(`DELETE FROM trait_values WHERE trait_id = $1`, [res.rows[0].id]);
      await audit(tx, actor, 'trait.delete', { type: 'trait', id: req.params.key });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `trait ${req.params.key} deleted`);
    return { deleted: true, recompute };
  });
}
