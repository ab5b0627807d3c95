// What analytics copies out of PostgreSQL, source by source: the rows to read (by id, in order), and their columns
// as DuckDB types. Events and orders are append-only (a refund is its own row), so a copy by id range is exact;
// customers change (merges, first-touch channel), so they are copied whole and the newest ones read live.
import type { Queryable } from '../kernel/db.ts';
import { literal } from './duck.ts';

export type SourceName = 'events' | 'orders' | 'refunds' | 'customers';

export interface Source {
  name: SourceName;
  /** DuckDB column types, in order: the Parquet schema and the recent-rows tables share them */
  columns: Record<string, string>;
  /** Rows with id in (after, upto], at most `limit`, ordered by id */
  read(db: Queryable, workspaceId: string, after: number, upto: number, limit: number): Promise<Record<string, unknown>[]>;
}

const rows = async (db: Queryable, sql: string, params: unknown[]) => (await db.query<Record<string, unknown>>(sql, params)).rows;

export const SOURCES: Record<SourceName, Source> = {
  events: {
    name: 'events',
    columns: { id: 'BIGINT', customer_id: 'BIGINT', type: 'VARCHAR', event: 'VARCHAR', ts: 'TIMESTAMPTZ', channel_code: 'VARCHAR', properties: 'VARCHAR' },
    read: (db, ws, after, upto, limit) => rows(db,
      `SELECT id, customer_id, type, event, ts, COALESCE(properties->>'channel_code', context->'campaign'->>'source') AS channel_code, properties::text AS properties
         FROM events WHERE workspace_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`, [ws, after, upto, limit]),
  },
  orders: {
    name: 'orders',
    columns: {
      id: 'BIGINT', order_id: 'VARCHAR', customer_id: 'BIGINT', kind: 'VARCHAR', currency: 'VARCHAR', amount: 'BIGINT', channel: 'VARCHAR', store: 'VARCHAR',
      country: 'VARCHAR', staff: 'VARCHAR', placed_at: 'TIMESTAMPTZ', items: 'VARCHAR',
    },
    read: (db, ws, after, upto, limit) => rows(db,
      `SELECT id, order_id, customer_id, kind, currency, amount, channel, store, properties->>'country' AS country, properties->>'staff' AS staff, placed_at, items::text AS items
         FROM orders WHERE workspace_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`, [ws, after, upto, limit]),
  },
  refunds: {
    name: 'refunds',
    columns: { id: 'BIGINT', order_pk: 'BIGINT', amount: 'BIGINT', refunded_at: 'TIMESTAMPTZ' },
    read: (db, ws, after, upto, limit) => rows(db,
      `SELECT id, order_pk, amount, refunded_at FROM refunds WHERE workspace_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4`, [ws, after, upto, limit]),
  },
  customers: {
    name: 'customers',
    columns: { id: 'BIGINT', canonical_id: 'BIGINT', is_anonymous: 'BOOLEAN', source_channel: 'VARCHAR', first_seen_at: 'TIMESTAMPTZ', is_member: 'BOOLEAN' },
    read: (db, ws, after, upto, limit) => rows(db,
      `SELECT c.id, c.canonical_id, c.is_anonymous, c.source_channel, c.first_seen_at,
              EXISTS (SELECT 1 FROM points_accounts a WHERE a.workspace_id = c.workspace_id AND a.customer_id = c.id) AS is_member
         FROM customers c WHERE c.workspace_id = $1 AND c.id > $2 AND c.id <= $3 ORDER BY c.id LIMIT $4`, [ws, after, upto, limit]),
  },
};

/** The DuckDB expression reading newline-delimited JSON rows of a source with its types. */
export function readJsonSql(source: Source, file: string): string {
  const cols = Object.entries(source.columns).map(([k, t]) => `'${k}': '${t === 'TIMESTAMPTZ' ? 'VARCHAR' : t}'`).join(', ');
  const project = Object.entries(source.columns).map(([k, t]) => (t === 'TIMESTAMPTZ' ? `CAST(${k} AS TIMESTAMPTZ) AS ${k}` : k)).join(', ');
  return `SELECT ${project} FROM read_json(${literal(file)}, format = 'newline_delimited', columns = {${cols}})`;
}

/** One row as a line of JSON (instants as ISO strings). */
export function ndjsonLine(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v) => (v instanceof Date ? v.toISOString() : v));
}
