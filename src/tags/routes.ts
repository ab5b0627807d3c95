// Tag library: three tiers (基础属性 / 行为特征 / 预测标签), groups, four kinds (manual, imported, rule, model),
// governance (owner, description, rule versions, coverage, last refresh, who uses it).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { badRequest, conflict, notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import { loadCatalog } from '../rules/catalog.ts';
import { ruleSchema, type Rule } from '../rules/rules.ts';
import { assertValidRule } from '../rules/validate.ts';
import { refuseIfUsed, usersOf } from '../kernel/where-used.ts';
import { storeUpload } from '../ingest/imports/imports.ts';
import { importTagMembers } from './import.ts';
import { rootsOf } from '../identity/roots.ts';
import { TAG_KINDS, TAG_TIERS, createTag, recountCoverage, retireTags, tagCustomers, untagCustomers, updateTag } from './publish.ts';
import { actorName } from '../access/actor.ts';

export { TAG_TIERS as TIERS } from './publish.ts';

const tagBody = z.object({
  key: z.string().regex(/^[a-z0-9_\-]{1,64}$/, 'use 1-64 lower-case letters, digits, - or _'),
  name: z.string().min(1).max(100),
  tier: z.enum(TAG_TIERS),
  group: z.string().max(100).default(''),
  kind: z.enum(TAG_KINDS),
  rule: ruleSchema.optional(),
  description: z.string().max(1000).default(''),
  owner: z.string().max(100).optional(),
}).refine((b) => (b.kind === 'rule') === (b.rule !== undefined), { message: 'rule tags need a rule; other kinds must not have one', path: ['rule'] });

interface TagRow {
  id: number;
  key: string;
  name: string;
  tier: string;
  group_name: string;
  kind: (typeof TAG_KINDS)[number];
  rule: Rule | null;
  owner: string;
  description: string;
  version: number;
  coverage: number;
  refreshed_at: Date | null;
}

async function tagRow(tx: TenantTx, key: string): Promise<TagRow> {
  const { rows } = await tx.query<TagRow>(`SELECT * FROM tags WHERE key = $1 AND deleted_at IS NULL`, [key]);
  if (!rows[0]) throw notFound(`tag ${key}`);
  return rows[0];
}

export function registerTagRoutes(app: FastifyInstance, ctx: AppContext) {
  // The understanding engine is a higher layer's service (segments): reached through the registry, never imported.
  const engine = ctx.services.get('engine');
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/tags', { config: { permission: 'customers:read' }, schema: { tags: ['tags'], summary: 'Tag library, grouped by tier' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(`SELECT key, name, tier, group_name, kind, rule, owner, description, version, coverage, refreshed_at, updated_at FROM tags WHERE deleted_at IS NULL ORDER BY tier, group_name, key`);
    const tags = [];
    for (const t of rows) tags.push({ ...t, usedBy: await usersOf(ctx, tx, { tag: t.key }) });
    return { tags };
  });

  r.post('/v1/tags', { config: { permission: 'customers:write', tenantTx: false }, schema: { tags: ['tags'], summary: 'Create a tag', body: tagBody } }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      if (b.rule) assertValidRule(b.rule, await loadCatalog(tx));
      const exists = await tx.query(`SELECT 1 FROM tags WHERE key = $1 AND deleted_at IS NULL`, [b.key]);
      if (exists.rows.length) throw conflict(`key: a tag "${b.key}" already exists`);
      await createTag(tx, { key: b.key, name: b.name, tier: b.tier, group: b.group, kind: b.kind, rule: b.rule, owner: b.owner ?? actorName(actor), description: b.description }, actorName(actor));
      await audit(tx, actor, 'tag.create', { type: 'tag', id: b.key }, { kind: b.kind, rule: b.rule });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `tag ${b.key} created`);
    reply.status(201);
    return { ...(await tagView(ctx, actor.workspaceId, b.key)), recompute };
  });

  r.get('/v1/tags/:key', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['tags'], summary: 'A tag with its version history and users', params: z.object({ key: z.string() }) } }, async (req) =>
    tagView(ctx, requirePermission(req, 'customers:read').workspaceId, req.params.key));

  r.put('/v1/tags/:key', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['tags'], summary: 'Change a tag; a new rule is a new version', params: z.object({ key: z.string() }), body: z.object({ name: z.string().min(1).max(100), description: z.string().max(1000).default(''), group: z.string().max(100).default(''), rule: ruleSchema.optional() }) },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (req.body.rule && t.kind !== 'rule') throw badRequest('rule', `${t.kind} tags have no rule`);
      if (req.body.rule) assertValidRule(req.body.rule, await loadCatalog(tx));
      const version = await updateTag(tx, t, { name: req.body.name, description: req.body.description, group: req.body.group, rule: req.body.rule }, actorName(actor));
      await audit(tx, actor, 'tag.update', { type: 'tag', id: req.params.key }, { version, rule: req.body.rule });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `tag ${req.params.key} changed`);
    return { ...(await tagView(ctx, actor.workspaceId, req.params.key)), recompute };
  });

  r.delete('/v1/tags/:key', { config: { permission: 'customers:write', tenantTx: false }, schema: { tags: ['tags'], summary: 'Delete a tag that nothing uses', params: z.object({ key: z.string() }) } }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      await refuseIfUsed(ctx, tx, { tag: req.params.key }, `tag ${req.params.key}`);
      await retireTags(tx, [t.id]);
      await audit(tx, actor, 'tag.delete', { type: 'tag', id: req.params.key });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `tag ${req.params.key} deleted`);
    return { deleted: true, recompute };
  });

  r.post('/v1/tags/:key/customers', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['tags'], summary: 'Add or remove a manual tag for many customers', params: z.object({ key: z.string() }), body: z.object({ action: z.enum(['add', 'remove']), customerIds: z.array(z.number().int().positive()).min(1).max(100_000) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (t.kind === 'rule') throw badRequest('key', `${req.params.key} is a rule tag: its members follow its rule`);
      // Merged-away ids are tagged on the surviving profile; unknown ids are reported.
      const found = await rootsOf(tx, req.body.customerIds);
      const roots = [...new Set(found.values())];
      const unknown = req.body.customerIds.filter((id) => !found.has(id));
      const changed = req.body.action === 'add' ? await tagCustomers(tx, t.id, roots, actorName(actor)) : await untagCustomers(tx, t.id, roots);
      await recountCoverage(tx, t.id);
      await audit(tx, actor, `tag.${req.body.action}`, { type: 'tag', id: req.params.key }, { customers: roots.length });
      return { changed, unknown, roots };
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `tag ${req.params.key} ${req.body.action}`);
    return { changed: result.changed, unknown: result.unknown, recompute };
  });
}

export function registerTagImportRoute(app: FastifyInstance, ctx: AppContext) {
  // The understanding engine is a higher layer's service (segments): reached through the registry, never imported.
  const engine = ctx.services.get('engine');
  app.withTypeProvider<ZodTypeProvider>().post('/v1/tags/:key/import', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['tags'], summary: 'Tag the customers listed in a CSV/XLSX (column customer_id, user_id, phone, email or member_no)', params: z.object({ key: z.string() }), consumes: ['multipart/form-data'] },
  }, async (req) => {
    const actor = actorOf(req);
    const part = await req.file();
    if (!part) throw badRequest('file', 'is required');
    const file = await storeUpload(ctx, part.filename, part.file);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (t.kind !== 'imported' && t.kind !== 'manual') throw badRequest('key', `${req.params.key} is a ${t.kind} tag; import into an imported or manual tag`);
      const r = await importTagMembers(ctx, tx, t.id, part.filename, file, `import:${actor.type}:${actor.id}`);
      await recountCoverage(tx, t.id);
      await audit(tx, actor, 'tag.import', { type: 'tag', id: req.params.key }, { rows: r.rows, matched: r.matched, errors: r.errorCount });
      return r;
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `tag ${req.params.key} imported`);
    return { ...result, recompute };
  });
}

async function tagView(ctx: AppContext, workspaceId: string, key: string) {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const t = await tagRow(tx, key);
    const versions = await tx.query(`SELECT version, rule, name, description, changed_by, changed_at FROM tag_versions WHERE tag_id = $1 ORDER BY version DESC`, [t.id]);
    return {
      key: t.key, name: t.name, tier: t.tier, group: t.group_name, kind: t.kind, rule: t.rule, owner: t.owner, description: t.description,
      version: t.version, coverage: t.coverage, refreshedAt: t.refreshed_at, versions: versions.rows, usedBy: await usersOf(ctx, tx, { tag: key }),
    };
  });
}
