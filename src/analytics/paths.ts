// Paths: what customers most often do after (or before) an event. From each customer's first occurrence of the
// anchor in the range, the next (or previous) events within a window, repeats in a row counted once, up to a depth;
// the commonest whole paths, and step-to-step flows for a Sankey chart.
import { z } from 'zod';
import { literal, type DuckSession } from './duck.ts';
import { assertKnown, eventMatch, matchSql, viewFor } from './events-filter.ts';
import { filtersSchema, ts } from './scope.ts';

export const pathsSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  anchor: eventMatch,
  direction: z.enum(['after', 'before']).default('after'),
  depth: z.number().int().min(1).max(8, 'at most 8 steps').default(4),
  windowDays: z.number().int().min(1).max(90, 'at most 90 days').default(7),
  top: z.number().int().min(1).max(50).default(15),
  filters: filtersSchema,
});
export type PathsRequest = z.infer<typeof pathsSchema>;

export async function runPaths(d: DuckSession, p: PathsRequest, who: (col: string) => string) {
  const warnings = await assertKnown(d, [{ field: 'anchor.event', event: p.anchor.event }, ...p.anchor.where.map((w, j) => ({ field: `anchor.where.${j}.property`, event: p.anchor.event, property: w.property }))]);
  const after = p.direction === 'after';
  const steps = `
    WITH anchor AS (SELECT a.cid, min(a.ts) AS t0 FROM ${viewFor(p.anchor)} a WHERE ${matchSql(p.anchor)} AND a.ts >= ${ts(p.from)} AND a.ts < ${ts(p.to)} AND ${who('a.cid')} GROUP BY a.cid),
         near AS (SELECT a.cid, a.event, a.ts FROM act_slim a JOIN anchor n ON n.cid = a.cid
                   WHERE ${after ? `a.ts > n.t0 AND a.ts <= n.t0 + INTERVAL ${p.windowDays} DAY` : `a.ts < n.t0 AND a.ts >= n.t0 - INTERVAL ${p.windowDays} DAY`}),
         marked AS (SELECT cid, event, ts, lag(event) OVER (PARTITION BY cid ORDER BY ts ${after ? '' : 'DESC'}) AS prev FROM near),
         steps AS (SELECT cid, event, row_number() OVER (PARTITION BY cid ORDER BY ts ${after ? '' : 'DESC'}) AS step FROM marked WHERE prev IS DISTINCT FROM event)
    SELECT cid, event, step FROM steps WHERE step <= ${p.depth}`;
  const [{ customers }] = await d.all(`SELECT count(*) AS customers FROM (SELECT DISTINCT a.cid FROM ${viewFor(p.anchor)} a WHERE ${matchSql(p.anchor)} AND a.ts >= ${ts(p.from)} AND a.ts < ${ts(p.to)} AND ${who('a.cid')})`);
  const paths = await d.all(`WITH s AS (${steps}), per AS (SELECT cid, list(event ORDER BY step) AS path FROM s GROUP BY cid)
      SELECT path, count(*) AS customers FROM per GROUP BY path ORDER BY 2 DESC, 1 LIMIT ${p.top}`);
  const top = paths.map((r) => ({ path: r.path as string[], customers: Number(r.customers) }));
  // Flows between consecutive steps (the anchor is step 0), for the Sankey.
  const links = await d.all(`WITH s AS (${steps}),
      pairs AS (SELECT coalesce(x.step, 0) AS step, coalesce(x.event, ${literal(p.anchor.event)}) AS source, y.event AS target
                  FROM s y LEFT JOIN s x ON x.cid = y.cid AND x.step = y.step - 1)
    SELECT step, source, target, count(*) AS n FROM pairs GROUP BY 1, 2, 3 ORDER BY n DESC LIMIT 200`);
  const nodeName = (step: number, event: string) => `${step}. ${event}`;
  const nodes = new Set<string>();
  const flow = links.map((l) => {
    const step = Number(l.step);
    const source = nodeName(step, String(l.source));
    const target = nodeName(step + 1, String(l.target));
    nodes.add(source);
    nodes.add(target);
    return after ? { source, target, value: Number(l.n) } : { source: target, target: source, value: Number(l.n) };
  });
  return { anchor: p.anchor.event, direction: p.direction, customers: Number(customers), paths: top, sankey: { nodes: [...nodes].map((name) => ({ name })), links: flow }, warnings };
}
