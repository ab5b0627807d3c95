// Matching events by name and property filters in DuckDB SQL (funnel steps, retention's return event, path anchors),
// and checking that the properties a request filters on exist for that event, so a typo is a clear 400 rather than
// an empty chart.
import { z } from 'zod';
import { AppError, type FieldProblem } from '../kernel/errors.ts';
import { literal, type DuckSession } from './duck.ts';

export const propertyFilter = z.object({
  property: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.\u4e00-\u9fff-]+$/, 'letters, digits, _, -, . or Chinese characters'),
  op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists']),
  value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
});
export type PropertyFilter = z.infer<typeof propertyFilter>;

export const eventMatch = z.object({
  event: z.string().min(1, 'name the event').max(200),
  where: z.array(propertyFilter).max(10).default([]),
  label: z.string().max(100).optional(),
});
export type EventMatch = z.infer<typeof eventMatch>;

/** The activity view a match needs: properties only when it filters on them. */
export const viewFor = (m: EventMatch | undefined) => (m && m.where.length ? 'act' : 'act_slim');

const jsonPath = (p: string) => literal(`$.${p.split('.').map((k) => `"${k.replace(/"/g, '')}"`).join('.')}`);

/** The SQL condition for one step on an `act`-shaped alias (event, properties). */
export function matchSql(m: EventMatch, alias = 'a'): string {
  const conds = [`${alias}.event = ${literal(m.event)}`];
  for (const f of m.where) {
    const text = `json_extract_string(${alias}.properties, ${jsonPath(f.property)})`;
    const number = `TRY_CAST(${text} AS DOUBLE)`;
    const v = f.value;
    switch (f.op) {
      case 'exists':
        conds.push(`${text} IS NOT NULL`);
        break;
      case 'eq':
        conds.push(typeof v === 'number' ? `${number} = ${v}` : `${text} = ${literal(String(v))}`);
        break;
      case 'neq':
        conds.push(typeof v === 'number' ? `${number} IS DISTINCT FROM ${v}` : `${text} IS DISTINCT FROM ${literal(String(v))}`);
        break;
      case 'in':
        conds.push(`${text} IN (${(Array.isArray(v) ? v : [v]).map((x) => literal(String(x))).join(', ')})`);
        break;
      case 'contains':
        conds.push(`contains(${text}, ${literal(String(v))})`);
        break;
      default: {
        const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[f.op];
        conds.push(`${number} ${op} ${Number(v)}`);
      }
    }
  }
  return `(${conds.join(' AND ')})`;
}

/**
 * A property (or the breakdown property) that no event of that name carries is refused, naming where it was. An
 * event nobody has sent yet is only a warning: a funnel may be set up before its last step happens.
 */
export async function assertKnown(d: DuckSession, checks: { field: string; event: string; property?: string }[]): Promise<string[]> {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  for (const c of checks) {
    const [row] = await d.all(c.property
      ? `SELECT count(*) AS n, count(*) FILTER (WHERE json_extract_string(properties, ${jsonPath(c.property)}) IS NOT NULL) AS has
           FROM (SELECT properties FROM act WHERE event = ${literal(c.event)} LIMIT 100000)`
      : `SELECT count(*) AS n, count(*) AS has FROM (SELECT 1 FROM act_slim WHERE event = ${literal(c.event)} LIMIT 1)`);
    if (Number(row.n) === 0) warnings.push(`${c.field}: no "${c.event}" event has been received yet`);
    else if (c.property && Number(row.has) === 0) problems.push({ field: c.field, message: `no "${c.event}" event has a property "${c.property}"` });
  }
  if (problems.length) throw new AppError(400, 'unknown_property', `${problems[0].field}: ${problems[0].message}`, problems);
  return [...new Set(warnings)];
}
