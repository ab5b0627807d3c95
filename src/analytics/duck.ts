// Embedded DuckDB for analytics: one instance per process, a fresh connection per query (temporary tables with a
// query's recent rows stay private to it), and a time limit after which the query is interrupted and reported as
// too long instead of hanging a request.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../kernel/errors.ts';

let instance: Promise<DuckDBInstance> | null = null;

function duck(): Promise<DuckDBInstance> {
  instance ??= DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '4GB' });
  return instance;
}

export type DuckRow = Record<string, unknown>;

/** DuckDB's JS values made JSON-friendly: bigints as numbers, instants as ISO strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export class QueryTooLong extends AppError {
  constructor(limitMs: number) {
    super(422, 'query_too_long', `the query ran past ${Math.round(limitMs / 1000)} s and was stopped; narrow the date range, the steps or the breakdown, or use fewer filters`, [
      { field: 'query', message: `longer than ${Math.round(limitMs / 1000)} s` },
    ]);
  }
}

export interface DuckSession {
  all(sql: string, params?: unknown[]): Promise<DuckRow[]>;
  run(sql: string, params?: unknown[]): Promise<void>;
  connection: DuckDBConnection;
}

/** Runs `fn` with its own connection; interrupted (QueryTooLong) if it takes longer than limitMs. */
export async function withDuck<T>(fn: (s: DuckSession) => Promise<T>, limitMs = 60_000): Promise<T> {
  const connection = await (await duck()).connect();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    connection.interrupt();
  }, limitMs);
  timer.unref();
  // Past the limit the running statement is interrupted, and any later one refused: a query is many statements.
  const check = () => {
    if (timedOut) throw new QueryTooLong(limitMs);
  };
  const session: DuckSession = {
    connection,
    async all(sql, params) {
      check();
      const reader = await connection.runAndReadAll(sql, params as never);
      return reader.getRowObjectsJS().map((r) => plain(r) as DuckRow);
    },
    async run(sql, params) {
      check();
      await connection.run(sql, params as never);
    },
  };
  try {
    return await fn(session);
  } catch (err) {
    if (timedOut) throw new QueryTooLong(limitMs);
    throw err;
  } finally {
    clearTimeout(timer);
    connection.closeSync();
  }
}

/** A string as a SQL literal (file paths in read_parquet lists, which cannot be parameters). */
export const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
