// HTTP API for analytics: the metric catalogue and metric queries, the overview, funnels (and their people as a
// segment), retention and cohorts, paths, attribution with costs for ROI, a snapshot on demand.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { conflict } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { audit } from '../access/audit.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { METRICS, METRIC_KEYS } from './metrics.ts';
import { rangeSchema } from './scope.ts';
import { funnelSchema } from './funnels.ts';
import { retentionSchema } from './retention.ts';
import { pathsSchema } from './paths.ts';
import { attributionSchema } from './attribution.ts';
import { snapshotWorkspace } from './snapshots.ts';
import { generateReport } from './reports.ts';
import { notFound } from '../kernel/errors.ts';
import type { Analytics } from './service.ts';
import { actorName } from '../access/actor.ts';
import { createTag, tagCustomers } from '../tags/publish.ts';

export function registerAnalyticsRoutes(app: FastifyInstance, ctx: AppContext, analytics: Analytics, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = (req: Parameters<typeof requirePermission>[0]) => requirePermission(req, 'customers:read').workspaceId;

  r.get('/v1/analytics/metrics', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'The metric catalogue: every metric with its definition, unit and breakdowns' } }, async (req) => {
    read(req);
    return { metrics: METRICS.map(({ key, name, unit, definition, breakdowns }) => ({ key, name, unit, definition, breakdowns })) };
  });

  r.post('/v1/analytics/metrics/query', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: {
      tags: ['analytics'], summary: 'A metric over a range: total, series by day/week/month, optional breakdown and the previous period',
      body: rangeSchema.extend({
        metric: z.enum(METRIC_KEYS),
        breakdown: z.enum(['source', 'channel', 'store', 'country']).optional(),
        repurchaseDays: z.number().int().min(1).max(365).default(30),
        compare: z.boolean().default(true),
      }),
    },
  }, async (req) => analytics.metric(read(req), req.body));

  r.post('/v1/analytics/overview', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Headline metrics with their change against the previous period', body: rangeSchema },
  }, async (req) => analytics.overview(read(req), req.body));

  r.post('/v1/analytics/funnels', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'A funnel: per-step customers, conversion, drop-off and time to convert, with an optional breakdown', body: funnelSchema },
  }, async (req) => analytics.funnel(read(req), req.body));

  r.post('/v1/analytics/funnels/segment', {
    config: { permission: 'customers:write', tenantTx: false },
    schema: {
      tags: ['analytics'], summary: 'Save the customers who reached a funnel step as a segment (an imported tag and a segment on it)',
      body: z.object({ funnel: funnelSchema, step: z.number().int().min(1), key: z.string().regex(/^[a-z0-9_-]{1,48}$/, 'lower-case letters, digits, _ or -'), name: z.string().min(1).max(100) }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const b = req.body;
    const people = await analytics.funnelPeople(actor.workspaceId, b.funnel, b.step);
    const tagKey = `funnel_${b.key}`;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const taken = await tx.query(`SELECT 1 FROM segments WHERE workspace_id = $1 AND key = $2 AND deleted_at IS NULL UNION ALL SELECT 1 FROM tags WHERE workspace_id = $1 AND key = $3 AND deleted_at IS NULL`,
        [actor.workspaceId, b.key, tagKey]);
      if (taken.rows.length) throw conflict(`key: a segment "${b.key}" (or tag "${tagKey}") exists already`);
      const description = `漏斗第 ${b.step} 步（${b.funnel.steps[b.step - 1].label ?? b.funnel.steps[b.step - 1].event}）的客户，${b.funnel.from.toISOString().slice(0, 10)} 至 ${b.funnel.to.toISOString().slice(0, 10)}`;
      const tagId = await createTag(tx, { key: tagKey, name: b.name, tier: 'behavior', group: '漏斗导出', kind: 'imported', owner: actorName(actor), description }, actorName(actor));
      await tagCustomers(tx, tagId, people, 'funnel');
      await tx.query(`INSERT INTO segments (workspace_id, key, name, description, rule, realtime, created_by) VALUES ($1, $2, $3, $4, $5, true, $6)`,
        [actor.workspaceId, b.key, b.name, description, JSON.stringify({ tag: tagKey, has: true }), `${actor.type}:${actor.id}`]);
      await audit(tx, actor, 'analytics.funnel.segment', { type: 'segment', id: b.key }, { step: b.step, customers: people.length });
    });
    const recompute = await engine.recomputeWithin(actor.workspaceId, `segment ${b.key} from a funnel`);
    reply.code(201);
    return { segment: b.key, tag: tagKey, customers: people.length, recompute };
  });

  r.post('/v1/analytics/retention', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Cohort retention (triangle and curve) and LTV by cohort', body: retentionSchema },
  }, async (req) => analytics.retention(read(req), req.body));

  r.post('/v1/analytics/paths', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'The commonest paths after or before an event, with Sankey flows', body: pathsSchema },
  }, async (req) => analytics.paths(read(req), req.body));

  r.post('/v1/analytics/attribution', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Orders credited to channel codes, journeys, broadcasts and staff (last or first touch), with ROI', body: attributionSchema },
  }, async (req) => analytics.attribution(read(req), req.body));

  const costSchema = z.object({
    kind: z.enum(['channel', 'journey', 'broadcast', 'staff']),
    key: z.string().min(1).max(200),
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM'),
    amount: z.number().int('whole fen').min(0, 'must not be negative'),
  });
  r.put('/v1/analytics/costs', {
    config: { permission: 'customers:write', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Enter what channels, journeys, broadcasts or staff cost per month (fen), for ROI', body: z.object({ costs: z.array(costSchema).min(1).max(500) }) },
  }, async (req) => {
    const actor = actorOf(req);
    const costs = req.body.costs;
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await tx.query(
        `INSERT INTO analytics_costs (workspace_id, kind, key, month, amount, updated_at)
         SELECT $1, u.k, u.key, (u.m || '-01')::date, u.a, $2 FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(k, key, m, a)
         ON CONFLICT (workspace_id, kind, key, month) DO UPDATE SET amount = EXCLUDED.amount, updated_at = EXCLUDED.updated_at`,
        [actor.workspaceId, ctx.clock.now(), costs.map((c) => c.kind), costs.map((c) => c.key), costs.map((c) => c.month), costs.map((c) => c.amount)]);
      await audit(tx, actor, 'analytics.costs', null, { rows: costs.length });
    });
    analytics.forget(actor.workspaceId);
    return { saved: costs.length };
  });

  r.get('/v1/analytics/costs', { config: { permission: 'customers:read' }, schema: { tags: ['analytics'], summary: 'Costs entered for ROI' } }, async (req) => {
    const ws = read(req);
    const tx = req.tx;
    return ({
      costs: (await tx.query(`SELECT kind, key, to_char(month, 'YYYY-MM') AS month, amount, updated_at FROM analytics_costs WHERE workspace_id = $1 ORDER BY month DESC, kind, key`, [ws])).rows,
    });
  });

  r.get('/v1/analytics/reports', { config: { permission: 'customers:read' }, schema: { tags: ['analytics'], summary: 'Weekly and monthly reports, newest first, with their anomalies' } }, async (req) => {
    const ws = read(req);
    const tx = req.tx;
    return ({
      reports: (await tx.query(
        `SELECT id, period, to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on, summary->'anomalies' AS anomalies, created_at
           FROM analytics_reports WHERE workspace_id = $1 ORDER BY starts_on DESC, period LIMIT 100`, [ws])).rows,
    });
  });

  r.post('/v1/analytics/reports', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: {
      tags: ['analytics'], summary: 'Write a report now: the last complete week or month, or the period starting on startsOn',
      body: z.object({ period: z.enum(['week', 'month']), startsOn: z.coerce.date().optional() }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const report = await generateReport(ctx, analytics, actor.workspaceId, req.body.period, req.body.startsOn);
    return reply.code(201).send(report);
  });

  const reportParams = z.object({ id: z.coerce.number().int().positive() });
  const report = async (ws: string, id: number) => {
    const { rows } = await withTenant(ctx.db, ws, (tx) => tx.query(`SELECT id, period, summary, html, svg, created_at FROM analytics_reports WHERE workspace_id = $1 AND id = $2`, [ws, id]));
    if (!rows[0]) throw notFound(`report ${id}`);
    return rows[0];
  };
  r.get('/v1/analytics/reports/:id', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'A report: metrics, expectations, anomalies in words', params: reportParams } }, async (req) => {
    const row = await report(read(req), req.params.id);
    return { id: row.id, period: row.period, created_at: row.created_at, ...row.summary };
  });
  r.get('/v1/analytics/reports/:id/page', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'A report as an HTML page', params: reportParams } }, async (req, reply) => {
    const row = await report(read(req), req.params.id);
    return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:").send(row.html);
  });
  r.get('/v1/analytics/reports/:id/image.svg', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'A report as an SVG image to download', params: reportParams } }, async (req, reply) => {
    const row = await report(read(req), req.params.id);
    return reply.type('image/svg+xml').header('content-disposition', `attachment; filename="siyu-${row.period}-report-${row.summary.startsOn}.svg"`).send(row.svg);
  });

  r.post('/v1/analytics/snapshot', {
    config: { permission: 'customers:write', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Copy new events, orders and refunds (and customers) into the Parquet snapshots now' },
  }, async (req) => {
    const actor = actorOf(req);
    const rows = await snapshotWorkspace(ctx, actor.workspaceId, { settle: true, customers: true });
    return { rows };
  });
}
