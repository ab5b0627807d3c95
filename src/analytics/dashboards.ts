// Operators' own dashboards: charts pinned from any analytics page. A pinned chart keeps its request (metric,
// funnel, retention, paths or attribution with its filters and a relative date range) and is drawn from a fresh
// answer each time the dashboard is opened.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { actorName } from '../access/actor.ts';
import type { Analytics } from './service.ts';
import { funnelSchema } from './funnels.ts';
import { retentionSchema } from './retention.ts';
import { pathsSchema } from './paths.ts';
import { attributionSchema } from './attribution.ts';
import { rangeSchema } from './scope.ts';
import { METRIC_KEYS } from './metrics.ts';

const DAY = 86_400_000;
/** A pinned chart's range: the last N days up to the moment it is viewed (absolute dates would go stale). */
const lastDays = z.number().int().min(1).max(1095).default(30);
const omitRange = { from: true, to: true } as const;

export const chartSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('metric'), title: z.string().min(1).max(100), lastDays, request: rangeSchema.omit(omitRange).extend({ metric: z.enum(METRIC_KEYS), breakdown: z.enum(['source', 'channel', 'store', 'country']).optional() }) }),
  z.object({ kind: z.literal('funnel'), title: z.string().min(1).max(100), lastDays, request: funnelSchema.omit(omitRange) }),
  z.object({ kind: z.literal('retention'), title: z.string().min(1).max(100), lastDays, request: retentionSchema.omit(omitRange) }),
  z.object({ kind: z.literal('paths'), title: z.string().min(1).max(100), lastDays, request: pathsSchema.omit(omitRange) }),
  z.object({ kind: z.literal('attribution'), title: z.string().min(1).max(100), lastDays, request: attributionSchema.omit(omitRange) }),
]);
export type Chart = z.infer<typeof chartSchema>;

async function answer(analytics: Analytics, workspaceId: string, chart: Chart, now: Date) {
  const range = { from: new Date(now.getTime() - chart.lastDays * DAY), to: now };
  switch (chart.kind) {
    case 'metric':
      return analytics.metric(workspaceId, { ...chart.request, ...range, compare: true });
    case 'funnel':
      return analytics.funnel(workspaceId, { ...chart.request, ...range });
    case 'retention':
      return analytics.retention(workspaceId, { ...chart.request, ...range });
    case 'paths':
      return analytics.paths(workspaceId, { ...chart.request, ...range });
    case 'attribution':
      return analytics.attribution(workspaceId, { ...chart.request, ...range });
  }
}

export function registerDashboardRoutes(app: FastifyInstance, ctx: AppContext, analytics: Analytics) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const idParams = z.object({ id: z.coerce.number().int().positive() });

  r.get('/v1/dashboards', { config: { permission: 'customers:read' }, schema: { tags: ['analytics'], summary: 'My dashboards' } }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      dashboards: (await tx.query(
        `SELECT d.id, d.name, d.created_at, (SELECT count(*)::int FROM dashboard_charts c WHERE c.workspace_id = d.workspace_id AND c.dashboard_id = d.id) AS charts
           FROM dashboards d WHERE d.workspace_id = $1 AND d.owner = $2 ORDER BY d.id`, [actor.workspaceId, actorName(actor)])).rows,
    });
  });

  r.post('/v1/dashboards', { config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Create a dashboard', body: z.object({ name: z.string().min(1).max(100) }) } }, async (req, reply) => {
    const actor = actorOf(req);
    const { rows } = await withTenant(ctx.db, actor.workspaceId, (tx) => tx.query(
      `INSERT INTO dashboards (workspace_id, owner, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id, name, created_at`, [actor.workspaceId, actorName(actor), req.body.name, ctx.clock.now()]));
    return reply.code(201).send(rows[0]);
  });

  const mine = async (tx: TenantTx, id: number, owner: string) => {
    const { rows } = await tx.query(`SELECT id, name FROM dashboards WHERE workspace_id = $1 AND id = $2 AND owner = $3`, [tx.workspaceId, id, owner]);
    if (!rows[0]) throw notFound(`dashboard ${id}`);
    return rows[0];
  };

  r.post('/v1/dashboards/:id/charts', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'Pin a chart (its analytics request over the last N days)', params: idParams, body: chartSchema },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const row = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      await mine(tx, req.params.id, actorName(actor));
      const { rows } = await tx.query(
        `INSERT INTO dashboard_charts (workspace_id, dashboard_id, title, kind, request, position, created_at)
         SELECT $1, $2, $3, $4, $5, COALESCE(max(position), 0) + 1, $6 FROM dashboard_charts WHERE workspace_id = $1 AND dashboard_id = $2 RETURNING id`,
        [actor.workspaceId, req.params.id, req.body.title, req.body.kind, JSON.stringify(req.body), ctx.clock.now()]);
      return rows[0];
    });
    return reply.code(201).send(row);
  });

  r.delete('/v1/dashboards/:id/charts/:chartId', {
    config: { permission: 'customers:read' }, schema: { tags: ['analytics'], summary: 'Unpin a chart', params: idParams.extend({ chartId: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    await mine(tx, req.params.id, actorName(actor));
    const res = await tx.query(`DELETE FROM dashboard_charts WHERE workspace_id = $1 AND dashboard_id = $2 AND id = $3`, [actor.workspaceId, req.params.id, req.params.chartId]);
    return { removed: res.rowCount === 1 };
  });

  r.get('/v1/dashboards/:id', {
    config: { permission: 'customers:read', tenantTx: false }, schema: { tags: ['analytics'], summary: 'A dashboard with each pinned chart answered now', params: idParams },
  }, async (req) => {
    const actor = actorOf(req);
    const { dashboard, charts } = await withTenant(ctx.db, actor.workspaceId, async (tx) => ({
      dashboard: await mine(tx, req.params.id, actorName(actor)),
      charts: (await tx.query<{ id: number; title: string; kind: string; request: Chart }>(
        `SELECT id, title, kind, request FROM dashboard_charts WHERE workspace_id = $1 AND dashboard_id = $2 ORDER BY position, id`, [actor.workspaceId, req.params.id])).rows,
    }));
    const now = ctx.clock.now();
    const out = [];
    for (const c of charts) {
      const chart = chartSchema.parse(c.request);
      try {
        out.push({ id: c.id, title: c.title, kind: c.kind, chart, result: await answer(analytics, actor.workspaceId, chart, now) });
      } catch (err: any) {
        // One broken chart (a deleted segment in its filters) does not take the dashboard down.
        out.push({ id: c.id, title: c.title, kind: c.kind, chart, error: String(err?.message ?? err) });
      }
    }
    return { ...dashboard, charts: out };
  });
}
