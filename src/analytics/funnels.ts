// Funnels: ordered steps (events with property filters; orders are the event order_completed with order_index,
// channel, store and amount), a conversion window from the first step, per-step counts, conversion and drop-off,
// median time to convert, and a breakdown by a property of the first step, a segment or the source channel.
// A customer enters at their first first-step event in the range; each later step must follow the one before it
// and happen within the window of entering.
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { badRequest } from '../kernel/errors.ts';
import { literal, type DuckSession } from './duck.ts';
import { assertKnown, eventMatch, matchSql, viewFor } from './events-filter.ts';
import { filtersSchema, idsTable, membersOf, ts, type Filters } from './scope.ts';

const MAX_WINDOW_S = 180 * 86_400;

export const funnelSchema = z.object({
  from: z.coerce.date(),
  to: z.coerce.date(),
  steps: z.array(eventMatch).min(2, 'a funnel needs at least two steps').max(10, 'at most 10 steps'),
  window: z.object({ value: z.number().positive('must be more than zero'), unit: z.enum(['minute', 'hour', 'day']).default('day') }).default({ value: 7, unit: 'day' }),
  breakdown: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('property'), property: z.string().min(1).max(200) }),
    z.object({ kind: z.literal('segment'), segment: z.string().min(1).max(100) }),
    z.object({ kind: z.literal('source') }),
  ]).optional(),
  filters: filtersSchema,
});
export type FunnelRequest = z.infer<typeof funnelSchema>;

export function windowSeconds(w: FunnelRequest['window']): number {
  const s = w.value * { minute: 60, hour: 3600, day: 86_400 }[w.unit];
  if (s > MAX_WINDOW_S) throw badRequest('window', `at most 180 days (${w.value} ${w.unit}s asked)`);
  if (s < 60) throw badRequest('window', 'at least one minute');
  return Math.round(s);
}

/** The SQL of the funnel's per-customer progress: one row per entrant with t1..tn (null where they stopped). */
export function progressSql(f: FunnelRequest, who: (col: string) => string, breakdownSql: string): string {
  const w = windowSeconds(f.window);
  const people = breakdownSql.includes('p.source_channel') ? 'LEFT JOIN ppl p ON p.cid = a.cid' : '';
  const first = breakdownSql.includes('a.properties') ? 'act' : viewFor(f.steps[0]);
  const ctes = [`s1 AS (SELECT a.cid, min(a.ts) AS t1, arg_min(${breakdownSql}, a.ts) AS bkey FROM ${first} a ${people}
      WHERE ${matchSql(f.steps[0])} AND a.ts >= ${ts(f.from)} AND a.ts < ${ts(f.to)} AND ${who('a.cid')} GROUP BY a.cid)`];
  for (let k = 2; k <= f.steps.length; k++) {
    const prev = Array.from({ length: k - 1 }, (_, i) => `s.t${i + 1}`).join(', ');
    ctes.push(`s${k} AS (SELECT s.cid, s.bkey, ${prev}, min(a.ts) AS t${k} FROM s${k - 1} s JOIN ${viewFor(f.steps[k - 1])} a ON a.cid = s.cid
      WHERE ${matchSql(f.steps[k - 1])} AND a.ts > s.t${k - 1} AND a.ts <= s.t1 + INTERVAL ${w} SECOND GROUP BY s.cid, s.bkey, ${prev})`);
  }
  const cols = f.steps.map((_, i) => `s${i + 1}.t${i + 1} AS t${i + 1}`);
  const joins = f.steps.slice(1).map((_, i) => `LEFT JOIN s${i + 2} ON s${i + 2}.cid = s1.cid`).join(' ');
  return `WITH ${ctes.join(',\n')} SELECT s1.cid, s1.bkey, ${cols.join(', ')} FROM s1 ${joins}`;
}

async function breakdownSqlOf(ctx: AppContext, workspaceId: string, d: DuckSession, f: FunnelRequest): Promise<string> {
  const b = f.breakdown;
  if (!b) return `''`;
  if (b.kind === 'property') return `coalesce(json_extract_string(a.properties, ${literal(`$."${b.property.replace(/"/g, '')}"`)}), '(无)')`;
  if (b.kind === 'source') return `coalesce(p.source_channel, '(未知)')`;
  const members = await withTenant(ctx.db, workspaceId, (tx) => membersOf(tx, 'segment', b.segment, 'breakdown.segment'));
  await idsTable(ctx, workspaceId, d, 'breakdown_members', members);
  return `CASE WHEN a.cid IN (SELECT cid FROM breakdown_members) THEN ${literal(`${b.segment}`)} ELSE ${literal(`非 ${b.segment}`)} END`;
}

export async function runFunnel(ctx: AppContext, workspaceId: string, d: DuckSession, f: FunnelRequest, who: (col: string) => string) {
  const warnings = await assertKnown(d, [
    ...f.steps.flatMap((s, i) => s.where.map((w, j) => ({ field: `steps.${i}.where.${j}.property`, event: s.event, property: w.property }))),
    ...(f.breakdown?.kind === 'property' ? [{ field: 'breakdown.property', event: f.steps[0].event, property: f.breakdown.property }] : []),
  ]);
  const bsql = await breakdownSqlOf(ctx, workspaceId, d, f);
  const progress = progressSql(f, who, bsql);
  const n = f.steps.length;
  const counts = Array.from({ length: n }, (_, i) => `count(t${i + 1}) AS c${i + 1}`).join(', ');
  const medians = Array.from({ length: n - 1 }, (_, i) => `median(epoch(t${i + 2}) - epoch(t${i + 1})) AS m${i + 2}`).join(', ');
  const rows = await d.all(`WITH p AS (${progress}) SELECT bkey, ${counts}, ${medians} FROM p GROUP BY ROLLUP (bkey) ORDER BY bkey NULLS FIRST`);
  const shape = (r: Record<string, unknown>) => {
    const entered = Number(r.c1);
    return f.steps.map((s, i) => {
      const count = Number(r[`c${i + 1}`]);
      const before = i === 0 ? count : Number(r[`c${i}`]);
      return {
        step: i + 1, event: s.event, label: s.label ?? s.event, customers: count,
        conversion: entered ? count / entered : null,
        fromPrevious: before ? count / before : null,
        dropOff: i === 0 ? 0 : before - count,
        medianSeconds: i === 0 ? null : r[`m${i + 1}`] == null ? null : Number(r[`m${i + 1}`]),
      };
    });
  };
  const total = rows.find((r) => r.bkey === null) ?? { c1: 0 };
  // A step nobody reached may be a misspelt event: say so when no such event was ever received.
  const empty = f.steps.map((s, i) => ({ field: `steps.${i}.event`, event: s.event })).filter((_, i) => !Number(total[`c${i + 1}`] ?? 0));
  if (empty.length) warnings.push(...(await assertKnown(d, empty)));
  const breakdown = f.breakdown ? rows.filter((r) => r.bkey !== null).map((r) => ({ key: String(r.bkey), steps: shape(r) })).sort((a, b) => b.steps[0].customers - a.steps[0].customers).slice(0, 20) : undefined;
  return { steps: shape(total), breakdown, warnings };
}

/** Surviving customers who reached step `step` (1-based), for "export as a segment". */
export async function funnelPeople(d: DuckSession, f: FunnelRequest, step: number, who: (col: string) => string): Promise<number[]> {
  if (step < 1 || step > f.steps.length) throw badRequest('step', `between 1 and ${f.steps.length}`);
  const rows = await d.all(`WITH p AS (${progressSql(f, who, `''`)}) SELECT cid FROM p WHERE t${step} IS NOT NULL`);
  return rows.map((r) => Number(r.cid));
}

export type { Filters };
