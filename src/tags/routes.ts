// Tag library: three tiers (基础属性 / 行为特征 / 预测标签), groups, four kinds (manual, imported, rule, model),
// governance (owner, description, rule versions, coverage, last refresh, who uses it).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { badRequest, conflict, notFound } from '../kernel/errors.ts';
import { requirePermission } from '../http/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { loadCatalog } from '../segments/catalog.ts';
import { ruleSchema } from '../segments/rules.ts';
import { assertValidRule } from '../segments/validate.ts';
import { refuseIfUsed, usersOf } from '../segments/usage.ts';
import { recomputeWithin } from '../segments/recompute.ts';
import { storeUpload } from '../ingest/imports/imports.ts';
import { importTagMembers } from './import.ts';

export const TIERS = ['basic', 'behavior', 'predicted'] as const;

const tagBody = z.object({
  key: z.string().regex(/^[a-z0-9_\-]{1,64}$/, 'use 1-64 lower-case letters, digits, - or _'),
  name: z.string().min(1).max(100),
  tier: z.enum(TIERS),
  group: z.string().max(100).default(''),
  kind: z.enum(['manual', 'imported', 'rule', 'model']),
  rule: ruleSchema.optional(),
  description: z.string().max(1000).default(''),
  owner: z.string().max(100).optional(),
}).refine((b) => (b.kind === 'rule') === (b.rule !== undefined), { message: 'rule tags need a rule; other kinds must not have one', path: ['rule'] });

async function tagRow(tx: TenantTx, key: string) {
  const { rows } = await tx.query(`SELECT * FROM tags WHERE key = $1 AND deleted_at IS NULL`, [key]);
  if (!rows[0]) throw notFound(`tag ${key}`);
  return rows[0];
}

export function registerTagRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/tags', { config: { auth: 'manage' }, schema: { tags: ['tags'], summary: 'Tag library, grouped by tier' } }, async (req) => {
    const actor = requirePermission(req, 'customers:read');
    return withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const { rows } = await tx.query(`SELECT key, name, tier, group_name, kind, rule, owner, description, version, coverage, refreshed_at, updated_at FROM tags WHERE deleted_at IS NULL ORDER BY tier, group_name, key`);
      const tags = [];
      for (const t of rows) tags.push({ ...t, usedBy: await usersOf(tx, { tag: t.key }) });
      return { tags };
    });
  });

  r.post('/v1/tags', { config: { auth: 'manage' }, schema: { tags: ['tags'], summary: 'Create a tag', body: tagBody } }, async (req, reply) => {
    const actor = requirePermission(req, 'customers:write');
    const b = req.body;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      if (b.rule) assertValidRule(b.rule, await loadCatalog(tx));
      const exists = await tx.query(`SELECT 1 FROM tags WHERE key = $1 AND deleted_at IS NULL`, [b.key]);
      if (exists.rows.length) throw conflict(`key: a tag "${b.key}" already exists`);
      const owner = b.owner ?? `${actor.type}:${actor.id}`;
      const { rows } = await tx.query(
        `INSERT INTO tags (workspace_id, key, name, tier, group_name, kind, rule, owner, description) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
        [actor.workspaceId, b.key, b.name, b.tier, b.group, b.kind, b.rule ? JSON.stringify(b.rule) : null, owner, b.description]);
      await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,1,$3,$4,$5,$6)`,
        [actor.workspaceId, rows[0].id, b.rule ? JSON.stringify(b.rule) : null, b.name, b.description, `${actor.type}:${actor.id}`]);
      await audit(tx, actor, 'tag.create', { type: 'tag', id: b.key }, { kind: b.kind, rule: b.rule });
    });
    const recompute = await recomputeWithin(engine, actor.workspaceId, `tag ${b.key} created`);
    reply.status(201);
    return { ...(await tagView(ctx, actor.workspaceId, b.key)), recompute };
  });

  r.get('/v1/tags/:key', { config: { auth: 'manage' }, schema: { tags: ['tags'], summary: 'A tag with its version history and users', params: z.object({ key: z.string() }) } }, async (req) =>
    tagView(ctx, requirePermission(req, 'customers:read').workspaceId, req.params.key));

  r.put('/v1/tags/:key', {
    config: { auth: 'manage' },
    schema: { tags: ['tags'], summary: 'Change a tag; a new rule is a new version', params: z.object({ key: z.string() }), body: z.object({ name: z.string().min(1).max(100), description: z.string().max(1000).default(''), group: z.string().max(100).default(''), rule: ruleSchema.optional() }) },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:write');
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (req.body.rule && t.kind !== 'rule') throw badRequest('rule', `${t.kind} tags have no rule`);
      if (req.body.rule) assertValidRule(req.body.rule, await loadCatalog(tx));
      const version = t.version + 1;
      await tx.query(`UPDATE tags SET name = $2, description = $3, group_name = $4, rule = COALESCE($5, rule), version = $6, updated_at = now() WHERE id = $1`,
        [t.id, req.body.name, req.body.description, req.body.group, req.body.rule ? JSON.stringify(req.body.rule) : null, version]);
      await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [actor.workspaceId, t.id, version, JSON.stringify(req.body.rule ?? t.rule), req.body.name, req.body.description, `${actor.type}:${actor.id}`]);
      await audit(tx, actor, 'tag.update', { type: 'tag', id: req.params.key }, { version, rule: req.body.rule });
    });
    const recompute = await recomputeWithin(engine, actor.workspaceId, `tag ${req.params.key} changed`);
    return { ...(await tagView(ctx, actor.workspaceId, req.params.key)), recompute };
  });

  r.delete('/v1/tags/:key', { config: { auth: 'manage' }, schema: { tags: ['tags'], summary: 'Delete a tag that nothing uses', params: z.object({ key: z.string() }) } }, async (req) => {
    const actor = requirePermission(req, 'customers:write');
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      await refuseIfUsed(tx, { tag: req.params.key }, `tag ${req.params.key}`);
      await tx.query(`UPDATE tags SET deleted_at = now() WHERE id = $1`, [t.id]);
      await tx.query(`DELETE FROM customer_tags WHERE tag_id = $1`, [t.id]);
      await audit(tx, actor, 'tag.delete', { type: 'tag', id: req.params.key });
    });
    const recompute = await recomputeWithin(engine, actor.workspaceId, `tag ${req.params.key} deleted`);
    return { deleted: true, recompute };
  });

  r.post('/v1/tags/:key/customers', {
    config: { auth: 'manage' },
    schema: { tags: ['tags'], summary: 'Add or remove a manual tag for many customers', params: z.object({ key: z.string() }), body: z.object({ action: z.enum(['add', 'remove']), customerIds: z.array(z.number().int().positive()).min(1).max(100_000) }) },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:write');
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (t.kind === 'rule') throw badRequest('key', `${req.params.key} is a rule tag: its members follow its rule`);
      // Merged-away ids are tagged on the surviving profile; unknown ids are reported.
      const { rows } = await tx.query<{ id: number; root: number }>(`SELECT id, canonical_id AS root FROM customers WHERE id = ANY($1)`, [req.body.customerIds]);
      const roots = [...new Set(rows.map((x) => x.root))];
      const unknown = req.body.customerIds.filter((id) => !rows.some((x) => x.id === id));
      const res = req.body.action === 'add'
        ? await tx.query(`INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source) SELECT $1, $2, unnest($3::bigint[]), $4 ON CONFLICT DO NOTHING`, [actor.workspaceId, t.id, roots, `${actor.type}:${actor.id}`])
        : await tx.query(`DELETE FROM customer_tags WHERE tag_id = $1 AND customer_id = ANY($2)`, [t.id, roots]);
      await tx.query(`UPDATE tags SET coverage = (SELECT count(*) FROM customer_tags WHERE tag_id = $1), refreshed_at = now() WHERE id = $1`, [t.id]);
      await audit(tx, actor, `tag.${req.body.action}`, { type: 'tag', id: req.params.key }, { customers: roots.length });
      return { changed: res.rowCount, unknown, roots };
    });
    const recompute = await recomputeWithin(engine, actor.workspaceId, `tag ${req.params.key} ${req.body.action}`);
    return { changed: result.changed, unknown: result.unknown, recompute };
  });
}

export function registerTagImportRoute(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  app.withTypeProvider<ZodTypeProvider>().post('/v1/tags/:key/import', {
    config: { auth: 'manage' },
    schema: { tags: ['tags'], summary: 'Tag the customers listed in a CSV/XLSX (column customer_id, user_id, phone, email or member_no)', params: z.object({ key: z.string() }), consumes: ['multipart/form-data'] },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:write');
    const part = await req.file();
    if (!part) throw badRequest('file', 'is required');
    const file = await storeUpload(ctx, part.filename, part.file);
    const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const t = await tagRow(tx, req.params.key);
      if (t.kind !== 'imported' && t.kind !== 'manual') throw badRequest('key', `${req.params.key} is a ${t.kind} tag; import into an imported or manual tag`);
      const r = await importTagMembers(ctx, tx, t.id, part.filename, file, `import:${actor.type}:${actor.id}`);
      await tx.query(`UPDATE tags SET coverage = (SELECT count(*) FROM customer_tags WHERE tag_id = $1), refreshed_at = now() WHERE id = $1`, [t.id]);
      await audit(tx, actor, 'tag.import', { type: 'tag', id: req.params.key }, { rows: r.rows, matched: r.matched, errors: r.errorCount });
      return r;
    });
    const recompute = await recomputeWithin(engine, actor.workspaceId, `tag ${req.params.key} imported`);
    return { ...result, recompute };
  });
}

async function tagView(ctx: AppContext, workspaceId: string, key: string) {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const t = await tagRow(tx, key);
    const versions = await tx.query(`SELECT version, rule, name, description, changed_by, changed_at FROM tag_versions WHERE tag_id = $1 ORDER BY version DESC`, [t.id]);
    return {
      key: t.key, name: t.name, tier: t.tier, group: t.group_name, kind: t.kind, rule: t.rule, owner: t.owner, description: t.description,
      version: t.version, coverage: t.coverage, refreshedAt: t.refreshed_at, versions: versions.rows, usedBy: await usersOf(tx, { tag: key }),
    };
  });
}
