// Retention and cohorts: customers grouped by the week or month of their first event (or first order), the share
// that came back in each later period (any activity, a named event, or an order), as a triangle and as curves, and
// lifetime value by cohort: cumulative net revenue per cohort member by period. Periods are calendar weeks (Monday)
// or months in the workspace's zone; period 0 is the cohort's own.
import { z } from 'zod';
import { literal, type DuckSession } from './duck.ts';
import { eventMatch, matchSql, assertKnown, viewFor } from './events-filter.ts';
import { dateOfDayNumber, filtersSchema, localDayNumber, ts } from './scope.ts';
import { localDate } from '../kernel/time.ts';

const DAY = 86_400_000;

export const retentionSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  cohort: z.enum(['first_event', 'first_order']).default('first_event'),
  /** first_event: the event that starts a cohort (any activity when absent) */
  cohortEvent: eventMatch.optional(),
  returnOn: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('any') }),
    z.object({ kind: z.literal('order') }),
    z.object({ kind: z.literal('event'), match: eventMatch }),
  ]).default({ kind: 'any' }),
  period: z.enum(['week', 'month']).default('month'),
  periods: z.number().int().min(1).max(24, 'at most 24 periods').default(12),
  filters: filtersSchema,
});
export type RetentionRequest = z.infer<typeof retentionSchema>;

export async function runRetention(d: DuckSession, r: RetentionRequest, tz: string, who: (col: string) => string) {
  const warnings = await assertKnown(d, [
    ...(r.cohortEvent ? [{ field: 'cohortEvent.event', event: r.cohortEvent.event }, ...r.cohortEvent.where.map((w, j) => ({ field: `cohortEvent.where.${j}.property`, event: r.cohortEvent!.event, property: w.property }))] : []),
    ...(r.returnOn.kind === 'event' ? [{ field: 'returnOn.match.event', event: r.returnOn.match.event }, ...r.returnOn.match.where.map((w, j) => ({ field: `returnOn.match.where.${j}.property`, event: (r.returnOn as { match: { event: string } }).match.event, property: w.property }))] : []),
  ]);
  const local = (col: string) => `date_trunc('${r.period}', timezone(${literal(tz)}, ${col}))`;
  const start = r.cohort === 'first_order'
    ? `SELECT o.cid, min(o.placed_at) AS t0 FROM ord_net o WHERE o.kind = 'sale' AND o.cid IS NOT NULL AND ${who('o.cid')} GROUP BY o.cid`
    : `SELECT a.cid, min(a.ts) AS t0 FROM ${viewFor(r.cohortEvent)} a WHERE ${r.cohortEvent ? matchSql(r.cohortEvent) : 'TRUE'} AND ${who('a.cid')} GROUP BY a.cid`;
  const returns = r.returnOn.kind === 'order'
    ? `SELECT o.cid, o.placed_at AS t FROM ord_net o WHERE o.kind = 'sale' AND o.cid IS NOT NULL`
    : `SELECT a.cid, a.ts AS t FROM ${viewFor(r.returnOn.kind === 'event' ? r.returnOn.match : undefined)} a WHERE ${r.returnOn.kind === 'event' ? matchSql(r.returnOn.match) : 'TRUE'}`;
  const diff = (a: string, b: string) => `datediff('${r.period}', ${a}, ${b})`;
  // Returns are first cut to the days each customer came back (one row per customer and local day, found by
  // arithmetic where the zone's offset allows), and only those rows are put into periods: a hundred million events
  // become a few million customer-days before any calendar work. Returns further from the range than a cohort's
  // first period or its last cannot count, and are left out.
  const periodDays = r.period === 'month' ? 31 : 7;
  const span = { from: new Date(r.from.getTime() - periodDays * DAY), to: new Date(r.to.getTime() + (r.periods + 1) * periodDays * DAY) };
  const rows = await d.all(`
    WITH firsts AS (${start}),
         cohort AS (SELECT cid, ${local('t0')} AS c FROM firsts WHERE t0 >= ${ts(r.from)} AND t0 < ${ts(r.to)}),
         sizes AS (SELECT c, count(*) AS size FROM cohort GROUP BY c),
         days AS (SELECT DISTINCT x.cid, ${localDayNumber('x.t', tz, span)} AS dn FROM (${returns}) x WHERE x.t >= ${ts(span.from)} AND x.t < ${ts(span.to)}),
         back AS (SELECT DISTINCT c, cid, k FROM (SELECT k.c, k.cid, ${diff('k.c', `date_trunc('${r.period}', ${dateOfDayNumber('x.dn')})`)} AS k FROM cohort k JOIN days x ON x.cid = k.cid)
                   WHERE k BETWEEN 0 AND ${r.periods}),
         kept AS (SELECT c, k, count(*) AS n FROM back GROUP BY c, k),
         money AS (SELECT k.c, ${diff('k.c', local('o.placed_at'))} AS k, sum(o.net) AS revenue FROM cohort k JOIN ord_net o ON o.cid = k.cid
                    WHERE o.kind = 'sale' AND ${diff('k.c', local('o.placed_at'))} BETWEEN 0 AND ${r.periods} GROUP BY 1, 2)
    SELECT s.c AS cohort, s.size, p.k, coalesce(kept.n, 0) AS retained, coalesce(money.revenue, 0) AS revenue
      FROM sizes s CROSS JOIN range(0, ${r.periods + 1}) p(k)
      LEFT JOIN kept ON kept.c = s.c AND kept.k = p.k LEFT JOIN money ON money.c = s.c AND money.k = p.k
     ORDER BY s.c, p.k`);
  // A period that starts after the query's end (in the workspace's calendar) is left empty, not counted as 0%.
  const e = localDate(new Date(r.to.getTime() - 1), tz);
  const lastDay = `${e.year}-${String(e.month).padStart(2, '0')}-${String(e.day).padStart(2, '0')}`;
  const byCohort = new Map<string, { cohort: string; size: number; retained: (number | null)[]; rate: (number | null)[]; ltv: (number | null)[] }>();
  for (const row of rows) {
    const key = String(row.cohort).slice(0, 10);
    let c = byCohort.get(key);
    if (!c) byCohort.set(key, (c = { cohort: key, size: Number(row.size), retained: [], rate: [], ltv: [] }));
    const k = Number(row.k);
    const periodStart = new Date(`${key}T00:00:00Z`);
    if (r.period === 'month') periodStart.setUTCMonth(periodStart.getUTCMonth() + k);
    else periodStart.setUTCDate(periodStart.getUTCDate() + 7 * k);
    const reached = periodStart.toISOString().slice(0, 10) <= lastDay;
    const prevLtv = k === 0 ? 0 : c.ltv[k - 1] ?? 0;
    c.retained.push(reached ? Number(row.retained) : null);
    c.rate.push(reached ? Number(row.retained) / c.size : null);
    c.ltv.push(reached ? prevLtv + Number(row.revenue) / c.size : null);
  }
  const cohorts = [...byCohort.values()];
  // The curve: each period's rate over cohorts that reached it, weighted by size.
  const curve = Array.from({ length: r.periods + 1 }, (_, k) => {
    const reached = cohorts.filter((c) => c.retained[k] != null);
    const size = reached.reduce((s, c) => s + c.size, 0);
    return { period: k, rate: size ? reached.reduce((s, c) => s + (c.retained[k] ?? 0), 0) / size : null, cohorts: reached.length };
  });
  return { period: r.period, cohorts, curve, warnings };
}
