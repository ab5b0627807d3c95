import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { notFound } from '../kernel/errors.ts';
import { mergeView, type MergeRow } from './merge-view.ts';
import { ID_TYPES } from './identifiers.ts';
import { unmergeCustomers } from './merge.ts';
import { DEFAULT_RULES, loadRules, saveRules } from './rules.ts';

const ruleSchema = z.object({
  type: z.enum(ID_TYPES),
  strength: z.enum(['unique', 'weak']),
  maxPerCustomer: z.number().int().min(1).max(100).nullable(),
  priority: z.number().int().min(1).max(100),
});

export function registerIdentityRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/identity/rules', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['identity'], summary: 'Identity resolution rules', response: { 200: z.object({ rules: z.array(ruleSchema) }) } },
  }, async (req) => {
    const actor = actorOf(req);
    const book = await withTenant(ctx.db, actor.workspaceId, (tx) => loadRules(tx));
    return { rules: [...book.values()].sort((a, b) => a.priority - b.priority) };
  });

  r.put('/v1/identity/rules', {
    config: { permission: 'identity:rules', tenantTx: false },
    schema: {
      tags: ['identity'], summary: 'Change identity rules (applies to new data; existing merges stay)',
      body: z.object({ rules: z.array(ruleSchema).min(1) }).refine((b) => new Set(b.rules.map((x) => x.type)).size === b.rules.length, { message: 'each type may appear once', path: ['rules'] }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await saveRules(tx, actor.workspaceId, req.body.rules);
      await audit(tx, actor, 'identity.rules.update', null, { rules: req.body.rules });
    });
    ctx.services.get('identityRules').invalidate(actor.workspaceId);
    return { ok: true, defaults: DEFAULT_RULES };
  });

  r.get('/v1/merges/:id', {
    config: { permission: 'customers:read' },
    schema: { tags: ['identity'], summary: 'Why two profiles were merged', params: z.object({ id: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query<MergeRow>(`SELECT * FROM merges WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, req.params.id]);
    if (!rows[0]) throw notFound(`merge ${req.params.id}`);
    return mergeView(rows[0]);
  });

  r.post('/v1/merges/:id/unmerge', {
    config: { permission: 'identity:merge', tenantTx: false },
    schema: {
      tags: ['identity'], summary: 'Undo a merge: both profiles are restored and will not be merged automatically again',
      params: z.object({ id: z.coerce.number().int().positive() }),
      body: z.object({ reason: z.string().min(1, 'say why, for the audit trail').max(500) }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const r = await unmergeCustomers(tx, req.params.id, `${actor.type}:${actor.id}`, req.body.reason);
      await audit(tx, actor, 'customer.unmerge', { type: 'merge', id: req.params.id }, { ...r, reason: req.body.reason });
      return r;
    });
    ctx.changes.customersChanged(actor.workspaceId, [result.winner, result.loser]);
    return result;
  });

  r.get('/v1/identity/conflicts', {
    config: { permission: 'customers:read' },
    schema: { tags: ['identity'], summary: 'Identifiers refused by limits and merges refused by rules', querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(`SELECT id, kind, customer_id, details, at FROM identity_conflicts ORDER BY at DESC LIMIT $1`, [req.query.limit]);
    return { conflicts: rows };
  });
}
