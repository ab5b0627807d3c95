// Computing trait values with SQL for a set of root customers (after their data changed or their window moved),
// or for everyone (after a definition changes). Each value also records when it will change by itself: the moment
// the oldest event in its window falls out.
import type { TenantTx } from '../kernel/tenant.ts';
import type { TraitDefinition } from './definition.ts';

export interface TraitRow {
  id: number;
  key: string;
  definition: TraitDefinition;
  value_type: 'number' | 'string' | 'time';
}

const DAY = 86_400_000;

function build(t: TraitRow, now: Date, params: unknown[]) {
  const d = t.definition;
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const isEvents = d.source === 'events';
  const ts = isEvents ? 'x.ts' : 'x.placed_at';
  const text = (prop: string) => (isEvents ? `(x.properties->>${p(prop)})` : prop === 'amount' ? `(x.amount - x.refunded_amount)::text` : `x.${prop}`);
  const num = (prop: string) => (isEvents ? `(CASE WHEN ${text(prop)} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ${text(prop)}::float8 END)` : prop === 'amount' ? `(x.amount - x.refunded_amount)::float8` : 'NULL::float8');
  const where: string[] = [`x.workspace_id = $1`, `${ts} <= ${p(now)}`];
  if (isEvents) where.push(`x.event = ${p(d.event)}`);
  else where.push(`x.kind = 'sale'`, `x.status <> 'refunded'`);
  if (d.windowDays) where.push(`${ts} > ${p(new Date(now.getTime() - d.windowDays * DAY))}`);
  for (const f of d.where) {
    const numeric = typeof f.value === 'number';
    const lhs = numeric ? num(f.property) : text(f.property);
    const sqlOp = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
    if (f.op === 'in') where.push(`${text(f.property)} = ANY(${p((f.value as unknown[]).map(String))})`);
    else if (f.op === 'contains') where.push(`${text(f.property)} LIKE ${p(`%${String(f.value).replace(/[%_\\]/g, '\\$&')}%`)}`);
    else where.push(`${lhs} ${sqlOp[f.op]} ${p(f.value)}`);
  }
  const prop = d.property ?? '';
  const agg = {
    count: `count(*)::float8`,
    sum: `coalesce(sum(${prop && num(prop)}), 0)`,
    min: `min(${prop && num(prop)})`,
    max: `max(${prop && num(prop)})`,
    avg: `avg(${prop && num(prop)})`,
    distinct_count: `count(DISTINCT ${prop && text(prop)})::float8`,
    first_value: `(array_agg(${prop && text(prop)} ORDER BY ${ts}))[1]`,
    last_value: `(array_agg(${prop && text(prop)} ORDER BY ${ts} DESC))[1]`,
    first_time: `(extract(epoch FROM min(${ts})) * 1000)::float8`,
    last_time: `(extract(epoch FROM max(${ts})) * 1000)::float8`,
  }[d.aggregate];
  const table = isEvents ? 'events' : 'orders';
  return { agg, table, where: where.join(' AND '), ts };
}

/** Recomputes one trait for the given roots (or everyone when roots is null) and stores the values. */
export async function computeTrait(tx: TenantTx, t: TraitRow, roots: number[] | null, now: Date): Promise<Map<number, number | string | null>> {
  const params: unknown[] = [tx.workspaceId];
  const { agg, table, where, ts } = build(t, now, params);
  params.push(roots);
  const rootsParam = `$${params.length}`;
  // For a few customers, find their member profiles first (materialized, by index) and then only their rows; for
  // everyone, one pass over the table.
  const { rows } = await tx.query<{ id: number; v: number | string | null; oldest: Date | null }>(
    roots
      ? `WITH m AS MATERIALIZED (SELECT id, canonical_id FROM customers WHERE workspace_id = $1 AND canonical_id = ANY(${rootsParam}))
         SELECT m.canonical_id AS id, ${agg} AS v, min(${ts}) AS oldest
           FROM m JOIN ${table} x ON x.workspace_id = $1 AND x.customer_id = m.id
          WHERE ${where}
          GROUP BY m.canonical_id`
      : `SELECT m.canonical_id AS id, ${agg} AS v, min(${ts}) AS oldest
           FROM ${table} x JOIN customers m ON m.workspace_id = $1 AND m.id = x.customer_id
          WHERE ${where} AND ${rootsParam}::bigint[] IS NULL
          GROUP BY m.canonical_id`,
    params,
  );
  const zero = ['count', 'sum', 'distinct_count'].includes(t.definition.aggregate) ? 0 : null;
  const values = new Map<number, number | string | null>();
  const next = new Map<number, Date | null>();
  for (const id of roots ?? []) values.set(id, zero);
  for (const r of rows) {
    values.set(r.id, r.v === null ? zero : t.value_type === 'string' ? String(r.v) : Number(r.v));
    next.set(r.id, t.definition.windowDays && r.oldest ? new Date(new Date(r.oldest).getTime() + t.definition.windowDays * DAY) : null);
  }
  if (!roots) {
    // Everyone who had a value but now has none goes back to the empty value.
    await tx.query(`DELETE FROM trait_values WHERE workspace_id = $1 AND trait_id = $2 AND NOT (customer_id = ANY($3))`, [tx.workspaceId, t.id, [...values.keys()]]);
  }
  const ids = [...values.keys()];
  if (ids.length > 0) {
    await tx.query(
      `INSERT INTO trait_values (workspace_id, trait_id, customer_id, num, txt, next_change_at, updated_at)
       SELECT $1, $2, u.id, u.num, u.txt, u.nx, now() FROM unnest($3::bigint[], $4::float8[], $5::text[], $6::timestamptz[]) AS u(id, num, txt, nx)
       ON CONFLICT (workspace_id, trait_id, customer_id) DO UPDATE SET num = EXCLUDED.num, txt = EXCLUDED.txt, next_change_at = EXCLUDED.next_change_at, updated_at = now()`,
      [tx.workspaceId, t.id, ids, ids.map((id) => (t.value_type === 'string' ? null : (values.get(id) as number | null))),
       ids.map((id) => (t.value_type === 'string' ? (values.get(id) as string | null) : null)), ids.map((id) => next.get(id) ?? null)],
    );
  }
  return values;
}
