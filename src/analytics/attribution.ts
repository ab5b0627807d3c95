// Attribution: each sale order in the range is credited to one touch of the same customer within the window
// before it — the last (last-touch) or the first (first-touch) — and its net amount counted for that touch's
// channel code, journey, broadcast or staff member. Touches are: a visit or event carrying a channel code (and the
// customer's first arrival with their source channel), entering a journey (not in its holdout), a broadcast or
// staff message sent, and a WeCom contact added by an advisor. ROI uses the costs entered for those keys.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { literal, type DuckSession } from './duck.ts';
import { analyticsDir } from './snapshots.ts';
import { filtersSchema, ts } from './scope.ts';

export const attributionSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  model: z.enum(['last_touch', 'first_touch']).default('last_touch'),
  windowDays: z.number().int().min(1, 'at least one day').max(90, 'at most 90 days').default(7),
  kinds: z.array(z.enum(['channel', 'journey', 'broadcast', 'staff'])).min(1).default(['channel', 'journey', 'broadcast', 'staff']),
  filters: filtersSchema,
});
export type AttributionRequest = z.infer<typeof attributionSchema>;

/** Journey, broadcast and staff touches live in the operational tables: copied into the session for the join. */
async function loadOperationalTouches(ctx: AppContext, workspaceId: string, d: DuckSession, a: AttributionRequest) {
  const since = new Date(a.from.getTime() - a.windowDays * 86_400_000);
  const rows = await withTenant(ctx.db, workspaceId, async (tx) => {
    const out: { cid: number; ts: Date; kind: string; key: string; label: string }[] = [];
    if (a.kinds.includes('journey')) {
      const r = await tx.query<{ cid: number; ts: Date; key: string; label: string }>(
        `SELECT c.canonical_id AS cid, r.entered_at AS ts, r.journey_id::text AS key, j.name AS label FROM journey_runs r
           JOIN journeys j ON j.workspace_id = r.workspace_id AND j.id = r.journey_id JOIN customers c ON c.workspace_id = r.workspace_id AND c.id = r.customer_id
          WHERE r.workspace_id = $1 AND NOT r.holdout AND r.entered_at >= $2 AND r.entered_at < $3`, [workspaceId, since, a.to]);
      out.push(...r.rows.map((x) => ({ ...x, kind: 'journey' })));
    }
    const messages = [a.kinds.includes('broadcast') ? 'broadcast' : null, a.kinds.includes('staff') ? 'staff' : null].filter(Boolean);
    if (messages.length) {
      const r = await tx.query<{ cid: number; ts: Date; kind: string; key: string; label: string }>(
        `SELECT c.canonical_id AS cid, o.sent_at AS ts, o.source_type AS kind, o.source_id AS key, COALESCE(b.name, o.source_id) AS label
           FROM outbox o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
           LEFT JOIN broadcasts b ON o.source_type = 'broadcast' AND b.workspace_id = o.workspace_id AND b.id::text = o.source_id
          WHERE o.workspace_id = $1 AND o.status = 'sent' AND o.source_type = ANY($4) AND o.sent_at >= $2 AND o.sent_at < $3`,
        [workspaceId, since, a.to, messages]);
      out.push(...r.rows);
    }
    return out;
  });
  const file = path.join(analyticsDir(ctx, workspaceId), `touches-${process.pid}-${Date.now()}.ndjson`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, rows.map((r) => JSON.stringify({ ...r, ts: new Date(r.ts).toISOString() })).join('\n'));
  await d.run(`CREATE TEMP TABLE op_touches (cid BIGINT, ts TIMESTAMPTZ, kind VARCHAR, key VARCHAR, label VARCHAR)`);
  if (rows.length) {
    await d.run(`INSERT INTO op_touches SELECT cid, CAST(ts AS TIMESTAMPTZ), kind, key, label FROM read_json(${literal(file)}, format = 'newline_delimited',
      columns = {'cid': 'BIGINT', 'ts': 'VARCHAR', 'kind': 'VARCHAR', 'key': 'VARCHAR', 'label': 'VARCHAR'})`);
  }
  fs.rmSync(file, { force: true });
}

export async function runAttribution(ctx: AppContext, workspaceId: string, d: DuckSession, a: AttributionRequest, who: (col: string) => string, orders: (alias?: string) => string) {
  await loadOperationalTouches(ctx, workspaceId, d, a);
  const since = ts(new Date(a.from.getTime() - a.windowDays * 86_400_000));
  const parts: string[] = ['SELECT cid, ts, kind, key, label FROM op_touches'];
  if (a.kinds.includes('channel')) {
    parts.push(`SELECT cid, ts, 'channel', channel_code, channel_code FROM ev WHERE channel_code IS NOT NULL AND ts >= ${since} AND ts < ${ts(a.to)}`);
    parts.push(`SELECT cid, first_seen_at, 'channel', source_channel, source_channel FROM ppl WHERE source_channel IS NOT NULL AND first_seen_at >= ${since} AND first_seen_at < ${ts(a.to)}`);
  }
  if (a.kinds.includes('staff')) {
    parts.push(`SELECT cid, ts, 'staff', json_extract_string(properties, '$.advisor'), json_extract_string(properties, '$.advisor') FROM ev
                 WHERE event = 'WeCom Contact Added' AND json_extract_string(properties, '$.advisor') IS NOT NULL AND ts >= ${since} AND ts < ${ts(a.to)}`);
  }
  const pick = a.model === 'last_touch' ? 'arg_max' : 'arg_min';
  const rows = await d.all(`
    WITH touches AS (${parts.join(' UNION ALL ')}),
         sales AS (SELECT o.order_pk, o.cid, o.placed_at, o.net FROM ord_net o WHERE o.kind = 'sale' AND o.placed_at >= ${ts(a.from)} AND o.placed_at < ${ts(a.to)}
                     AND ${orders('o')} AND ${who('o.cid')}),
         credited AS (SELECT s.order_pk, s.cid, s.net, ${pick}(struct_pack(kind := t.kind, key := t.key, label := t.label), t.ts) AS touch
                        FROM sales s LEFT JOIN touches t ON t.cid = s.cid AND t.ts <= s.placed_at AND t.ts >= s.placed_at - INTERVAL ${a.windowDays} DAY
                       GROUP BY s.order_pk, s.cid, s.net)
    SELECT coalesce(touch.kind, 'none') AS kind, coalesce(touch.key, '') AS key, coalesce(any_value(touch.label), '') AS label,
           count(*) AS orders, count(DISTINCT cid) AS customers, sum(net) AS revenue
      FROM credited GROUP BY 1, 2 ORDER BY revenue DESC NULLS LAST`);
  const costs = await withTenant(ctx.db, workspaceId, (tx) => tx.query<{ kind: string; key: string; amount: number }>(
    `SELECT kind, key, sum(amount)::bigint AS amount FROM analytics_costs WHERE workspace_id = $1 AND month >= date_trunc('month', $2::timestamptz)::date AND month < $3 GROUP BY 1, 2`,
    [workspaceId, a.from, a.to]));
  const costOf = new Map(costs.rows.map((c) => [`${c.kind}:${c.key}`, Number(c.amount)]));
  const total = rows.reduce((s, r) => s + Number(r.revenue ?? 0), 0);
  return {
    model: a.model, windowDays: a.windowDays, revenue: total,
    rows: rows.map((r) => {
      const cost = costOf.get(`${r.kind}:${r.key}`) ?? null;
      const revenue = Number(r.revenue ?? 0);
      return { kind: String(r.kind), key: String(r.key), label: String(r.label || r.key), orders: Number(r.orders), customers: Number(r.customers), revenue, share: total ? revenue / total : null, cost, roi: cost ? (revenue - cost) / cost : null };
    }),
  };
}
