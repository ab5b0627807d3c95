import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { conflict, notFound } from '../kernel/errors.ts';
import { csvLine } from '../kernel/csv.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from './engine.ts';
import { BASE_FIELDS, PREDICTION_FIELDS, loadCatalog } from '../rules/catalog.ts';
import { ruleSchema, type Rule } from '../rules/rules.ts';
import { assertValidRule } from '../rules/validate.ts';
import { refuseIfUsed, usersOf } from '../kernel/where-used.ts';

const keySchema = z.string().regex(/^[a-z0-9_\-]{1,64}$/, 'use 1-64 lower-case letters, digits, - or _');
const segmentBody = z.object({
  key: keySchema,
  name: z.string().min(1).max(100),
  description: z.string().max(1000).default(''),
  rule: ruleSchema,
  realtime: z.boolean().default(true),
});

export function registerSegmentRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/segments/fields', {
    config: { permission: 'customers:read' },
    schema: { tags: ['segments'], summary: 'What rules can refer to: attributes, computed traits, consent per channel, tags, segments' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const attrs = await tx.query<{ k: string; n: number }>(
      `SELECT k, count(*)::int AS n FROM (SELECT jsonb_object_keys(traits) AS k FROM customers WHERE workspace_id = $1 AND merged_into IS NULL LIMIT 50000) s GROUP BY k ORDER BY n DESC LIMIT 50`,
      [actor.workspaceId]);
    const traits = await tx.query(`SELECT key, name, value_type FROM computed_traits WHERE deleted_at IS NULL ORDER BY key`);
    const tags = await tx.query(`SELECT key, name, tier FROM tags WHERE deleted_at IS NULL ORDER BY tier, key`);
    const segments = await tx.query(`SELECT key, name FROM segments WHERE deleted_at IS NULL ORDER BY key`);
    // Consent on every channel that is set up or that anyone has consented on (granted | revoked; empty = never asked).
    const channels = await tx.query<{ channel: string }>(
      `SELECT channel FROM channel_providers WHERE workspace_id = $1 UNION SELECT DISTINCT channel FROM consents WHERE workspace_id = $1 ORDER BY 1`, [actor.workspaceId]);
    return {
      fields: [
        ...Object.entries(BASE_FIELDS).map(([field, f]) => ({ field, type: f.type, label: f.label })),
        ...Object.entries(PREDICTION_FIELDS).map(([field, f]) => ({ field, type: f.type, label: f.label })),
        ...attrs.rows.map((a) => ({ field: `traits.${a.k}`, type: 'string', label: `属性 ${a.k}` })),
        ...traits.rows.map((t: any) => ({ field: `computed.${t.key}`, type: t.value_type, label: t.name })),
        ...channels.rows.map((c) => ({ field: `consent.${c.channel}`, type: 'string', label: `营销同意 ${c.channel}（granted / revoked）` })),
      ],
      tags: tags.rows,
      segments: segments.rows,
    };
  });

  r.post('/v1/segments/preview', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Live audience count and sample for a rule being edited', body: z.object({ rule: ruleSchema, key: z.string().optional() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const catalog = await withTenant(ctx.db, actor.workspaceId, (tx) => loadCatalog(tx));
    assertValidRule(req.body.rule, catalog, { selfSegment: req.body.key });
    const p = await engine.preview(actor.workspaceId, req.body.rule);
    const sample = p.sampleIds.length
      ? (await withTenant(ctx.db, actor.workspaceId, (tx) => tx.query(`SELECT id, pii_masked->>'name' AS name, pii_masked->>'phone' AS phone, source_channel, order_count, total_spent FROM customers WHERE workspace_id = $1 AND id = ANY($2)`, [actor.workspaceId, p.sampleIds]))).rows
      : [];
    return { count: p.count, total: p.total, ms: p.ms, sample };
  });

  r.get('/v1/segments', { config: { permission: 'customers:read' }, schema: { tags: ['segments'], summary: 'Segments with their sizes' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      segments: (await tx.query(`SELECT key, name, description, rule, realtime, size, refreshed_at, created_by, updated_at FROM segments WHERE deleted_at IS NULL ORDER BY updated_at DESC`)).rows,
    });
  });

  r.post('/v1/segments', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Create a segment; members are computed at once and kept current', body: segmentBody },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      assertValidRule(b.rule, await loadCatalog(tx), { selfSegment: b.key });
      const exists = await tx.query(`SELECT 1 FROM segments WHERE key = $1 AND deleted_at IS NULL`, [b.key]);
      if (exists.rows.length) throw conflict(`key: a segment "${b.key}" already exists`);
      await tx.query(`INSERT INTO segments (workspace_id, key, name, description, rule, realtime, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [actor.workspaceId, b.key, b.name, b.description, JSON.stringify(b.rule), b.realtime, `${actor.type}:${actor.id}`]);
      await audit(tx, actor, 'segment.create', { type: 'segment', id: b.key }, { rule: b.rule });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `segment ${b.key} created`);
    reply.status(201);
    return { ...(await segmentView(ctx, actor.workspaceId, b.key)), recompute };
  });

  r.get('/v1/segments/:key', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['segments'], summary: 'A segment with its size history and who uses it', params: z.object({ key: z.string() }) },
  }, async (req) => segmentView(ctx, requirePermission(req, 'customers:read').workspaceId, req.params.key));

  r.put('/v1/segments/:key', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Change a segment (members are recomputed; entries and exits are emitted)', params: z.object({ key: z.string() }), body: segmentBody.omit({ key: true }) },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      assertValidRule(req.body.rule, await loadCatalog(tx), { selfSegment: req.params.key });
      const res = await tx.query(`UPDATE segments SET name = $2, description = $3, rule = $4, realtime = $5, updated_at = now() WHERE key = $1 AND deleted_at IS NULL`,
        [req.params.key, req.body.name, req.body.description, JSON.stringify(req.body.rule), req.body.realtime]);
      if (res.rowCount === 0) throw notFound(`segment ${req.params.key}`);
      await audit(tx, actor, 'segment.update', { type: 'segment', id: req.params.key }, { rule: req.body.rule });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `segment ${req.params.key} changed`);
    return { ...(await segmentView(ctx, actor.workspaceId, req.params.key)), recompute };
  });

  r.delete('/v1/segments/:key', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Delete a segment no other rule uses', params: z.object({ key: z.string() }) },
  }, async (req) => {
    const actor = actorOf(req);
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await refuseIfUsed(ctx, tx, { segment: req.params.key }, `segment ${req.params.key}`);
      const res = await tx.query(`UPDATE segments SET deleted_at = now() WHERE key = $1 AND deleted_at IS NULL RETURNING id`, [req.params.key]);
      if (!res.rows[0]) throw notFound(`segment ${req.params.key}`);
      await tx.query(`DELETE FROM segment_members WHERE segment_id = $1`, [res.rows[0].id]);
      await audit(tx, actor, 'segment.delete', { type: 'segment', id: req.params.key });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `segment ${req.params.key} deleted`);
    return { deleted: true, recompute };
  });

  r.get('/v1/segments/:key/export.csv', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Members as CSV (masked PII, spreadsheet-safe)', params: z.object({ key: z.string() }) },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const members = await engine.members(actor.workspaceId, 'segment', req.params.key);
    await segmentView(ctx, actor.workspaceId, req.params.key); // 404 for unknown segments
    const ids = [...members.ids()];
    let out = '\ufeff' + csvLine(['customer_id', 'name', 'phone', 'email', 'source_channel', 'order_count', 'total_spent_fen', 'last_seen_at']);
    for (let i = 0; i < ids.length; i += 5000) {
      const { rows } = await withTenant(ctx.db, actor.workspaceId, (tx) => tx.query(
        `SELECT id, pii_masked, source_channel, order_count, total_spent, last_seen_at FROM customers WHERE workspace_id = $1 AND id = ANY($2) ORDER BY id`,
        [actor.workspaceId, ids.slice(i, i + 5000)]));
      out += rows.map((c: any) => csvLine([c.id, c.pii_masked.name, c.pii_masked.phone, c.pii_masked.email, c.source_channel, c.order_count, c.total_spent, c.last_seen_at])).join('');
    }
    await withTenant(ctx.db, actor.workspaceId, (tx) => audit(tx, actor, 'segment.export', { type: 'segment', id: req.params.key }, { rows: ids.length }));
    reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="segment-${req.params.key}.csv"`);
    return out;
  });

  r.get('/v1/segments/:key/members', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['segments'], summary: 'Members, newest activity first', params: z.object({ key: z.string() }), querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const members = await engine.members(actor.workspaceId, 'segment', req.params.key);
    const ids = [...members.ids()].slice(0, 10_000);
    return withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const { rows } = await tx.query(`SELECT id, pii_masked->>'name' AS name, pii_masked->>'phone' AS phone, source_channel, order_count, total_spent, last_seen_at FROM customers WHERE workspace_id = $1 AND id = ANY($2) ORDER BY last_seen_at DESC LIMIT $3`, [actor.workspaceId, ids, req.query.limit]);
      return { count: members.count(), members: rows };
    });
  });
}

async function segmentView(ctx: AppContext, workspaceId: string, key: string) {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const { rows } = await tx.query(`SELECT id, key, name, description, rule, realtime, size, refreshed_at, created_by, created_at, updated_at FROM segments WHERE key = $1 AND deleted_at IS NULL`, [key]);
    if (!rows[0]) throw notFound(`segment ${key}`);
    const history = await tx.query(`SELECT at, size FROM segment_sizes WHERE segment_id = $1 ORDER BY at DESC LIMIT 500`, [rows[0].id]);
    const { id, ...seg } = rows[0];
    return { ...seg, rule: seg.rule as Rule, history: history.rows.reverse(), usedBy: await usersOf(ctx, tx, { segment: key }) };
  });
}
