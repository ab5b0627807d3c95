// What every analytics request shares: a date range (checked: the end after the start, at most a few years), a
// bucket size, and filters on who (source channel, segment, tag) and on orders (store, channel, staff). Who-filters
// become a temporary table of surviving customer ids in the query's DuckDB session.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { badRequest } from '../kernel/errors.ts';
import { literal, type DuckSession } from './duck.ts';
import { analyticsDir } from './snapshots.ts';
import { steadyOffsetMs } from '../kernel/time.ts';

const DAY = 86_400_000;
export const MAX_RANGE_DAYS = 3 * 366;

export const filtersSchema = z.object({
  source: z.string().max(100).optional(),
  segment: z.string().max(100).optional(),
  tag: z.string().max(100).optional(),
  store: z.string().max(100).optional(),
  channel: z.string().max(100).optional(),
  staff: z.string().max(100).optional(),
}).default({});
export type Filters = z.infer<typeof filtersSchema>;

export const rangeSchema = z.object({
  from: z.coerce.date({ message: 'a date such as 2026-11-01' }),
  to: z.coerce.date({ message: 'a date such as 2026-12-01' }),
  interval: z.enum(['day', 'week', 'month']).default('day'),
  filters: filtersSchema,
});
export type Range = z.infer<typeof rangeSchema>;

/** The checks zod cannot make alone: order and span of the dates. */
export function checkRange(r: { from: Date; to: Date }, field = 'to') {
  if (!(r.to.getTime() > r.from.getTime())) throw badRequest(field, `must be after from (${r.from.toISOString().slice(0, 10)})`);
  if (r.to.getTime() - r.from.getTime() > MAX_RANGE_DAYS * DAY) throw badRequest(field, `the range is longer than ${MAX_RANGE_DAYS} days; choose a shorter one`);
}

/** The same length of time just before, for "vs previous period". */
export const previousRange = <T extends { from: Date; to: Date }>(r: T): T => ({ ...r, from: new Date(2 * r.from.getTime() - r.to.getTime()), to: r.from });

/** The members of a segment or tag by key; an unknown key is refused naming `field`. */
export async function membersOf(tx: TenantTx, kind: 'segment' | 'tag', key: string, field: string): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>(`SELECT id FROM ${kind === 'segment' ? 'segments' : 'tags'} WHERE workspace_id = $1 AND key = $2 AND deleted_at IS NULL`, [tx.workspaceId, key]);
  if (!rows[0]) throw badRequest(field, `unknown ${kind} "${key}"`);
  const members = kind === 'segment'
    ? `SELECT customer_id AS c FROM segment_members WHERE workspace_id = $1 AND segment_id = $2`
    : `SELECT customer_id AS c FROM customer_tags WHERE workspace_id = $1 AND tag_id = $2`;
  return (await tx.query<{ c: number }>(members, [tx.workspaceId, rows[0].id])).rows.map((r) => Number(r.c));
}

/** Customer ids as a temporary table `name (cid)` in the session, through a file: a million ids in one statement. */
export async function idsTable(ctx: AppContext, workspaceId: string, d: DuckSession, name: string, ids: number[]) {
  const file = path.join(analyticsDir(ctx, workspaceId), `${name}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(ids.map((id) => ({ cid: id }))));
  await d.run(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT cid::BIGINT AS cid FROM read_json(${literal(file)}, columns = {'cid': 'BIGINT'})`);
  fs.rmSync(file, { force: true });
}

/** SQL conditions for the filters: on a customer id column, and on an order alias. */
export interface Scope {
  who: (col: string) => string;
  orders: (alias?: string) => string;
}

/**
 * Makes `scope(cid)` in the session: the surviving customers the who-filters allow, or every customer. Returns the
 * SQL condition to add on a customer id column, and the order-side condition for `ord` rows. Reads the database
 * only for a segment or tag filter.
 */
export async function applyFilters(ctx: AppContext, workspaceId: string, d: DuckSession, f: Filters): Promise<Scope> {
  const lists: number[][] = [];
  if (f.segment || f.tag) await withTenant(ctx.db, workspaceId, async (tx) => {
    if (f.segment) lists.push(await membersOf(tx, 'segment', f.segment, 'filters.segment'));
    if (f.tag) lists.push(await membersOf(tx, 'tag', f.tag, 'filters.tag'));
  });
  const conds: string[] = [];
  if (lists.length) {
    // Members of every list given (segment AND tag).
    let ids = lists[0];
    for (const l of lists.slice(1)) {
      const s = new Set(l);
      ids = ids.filter((i) => s.has(i));
    }
    await idsTable(ctx, workspaceId, d, 'scope_ids', ids);
    conds.push(`%s IN (SELECT cid FROM scope_ids)`);
  }
  if (f.source) conds.push(`%s IN (SELECT cid FROM ppl WHERE source_channel = ${literal(f.source)})`);
  const orderConds: string[] = [];
  if (f.store) orderConds.push(`%a.store = ${literal(f.store)}`);
  if (f.channel) orderConds.push(`%a.channel = ${literal(f.channel)}`);
  if (f.staff) orderConds.push(`%a.staff = ${literal(f.staff)}`);
  return {
    who: (col) => (conds.length ? conds.map((c) => c.replace('%s', col)).join(' AND ') : 'TRUE'),
    orders: (alias = 'ord') => (orderConds.length ? orderConds.map((c) => c.replace('%a', alias)).join(' AND ') : 'TRUE'),
  };
}

/** A local calendar bucket of an instant in the workspace's zone. */
export const bucket = (interval: 'day' | 'week' | 'month', col: string, tz: string) => `date_trunc('${interval}', timezone(${literal(tz)}, ${col}))`;
/**
 * The local calendar day of an instant column in the workspace's zone, as a day number (days since 1970-01-01; to a
 * date: dateOfDayNumber). `span` holds every instant the query reads. Where the zone keeps one offset through
 * it (Asia/Shanghai always does) this is integer arithmetic on the epoch, which over a hundred million events takes
 * a fraction of the time of a time-zone conversion per row; across a daylight-saving change, the conversion.
 * (Integer division truncates: instants before 1970 are not expected here.)
 */
export function localDayNumber(col: string, tz: string, span: { from: Date; to: Date }): string {
  // Two days' margin: a row outside the span is further than any offset from it, so it cannot land inside.
  const offset = steadyOffsetMs(tz, new Date(span.from.getTime() - 2 * DAY), new Date(span.to.getTime() + 2 * DAY));
  return offset === null
    ? `(timezone(${literal(tz)}, ${col})::DATE - DATE '1970-01-01')`
    : `((epoch_us(${col}) + ${offset * 1000}) // ${DAY * 1000})`;
}

/** The DATE of a day number from localDayNumber. */
export const dateOfDayNumber = (n: string) => `(DATE '1970-01-01' + (${n})::INTEGER)`;

/** An instant bound as a DuckDB literal. */
export const ts = (d: Date) => `TIMESTAMPTZ '${d.toISOString()}'`;
