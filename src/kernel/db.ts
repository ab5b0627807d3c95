// One database interface over two engines: embedded PGlite (default, data under ./data) and a PostgreSQL server.
// Both speak the same SQL; int8 columns come back as JS numbers from both so callers never see engine differences.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AsyncLocalStorage } from 'node:async_hooks';

export type Row = Record<string, any>;

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Row>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs fn in one transaction; retried on serialization failures and deadlocks, so fn must only touch the database.
   * `setup` (SQL without parameters) runs first, in the same round trip as BEGIN on a server.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, setup?: string): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Hears NOTIFY payloads on a channel over a connection of its own, reconnecting if it drops; resolves once
   * listening. Only on a server: PGlite is one process, where nobody else could notify.
   */
  listen?(channel: string, onPayload: (payload: string) => void, onError: (err: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const INT8_OID = 20;
const RETRYABLE = new Set(['40001', '40P01']);

export interface OpenDbOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** Use a private schema on the server (tests run side by side in one database). */
  schema?: string;
  /** In-memory PGlite (tests). */
  memory?: boolean;
  poolSize?: number;
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) return openServer(options.databaseUrl, options.schema, options.poolSize ?? 10);
  return openEmbedded(options.memory ? undefined : path.join(options.dataDir ?? './data', 'pglite'));
}

/**
 * PGlite is one connection: a query or transaction started on the database (not on the open transaction) from inside
 * a transaction would wait for that transaction to end, forever. Such calls fail at once instead, naming the mistake.
 */
const insideTransaction = new AsyncLocalStorage<{ open: boolean }>();
const nestedUse = () => new Error('the database was used directly inside a transaction: pass the transaction (tx) down instead of ctx.db');

async function openEmbedded(dir: string | undefined): Promise<Db> {
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const lite = new PGlite(dir, { parsers: { [INT8_OID]: (v: string) => Number(v) } });
  await lite.waitReady;
  const asResult = <T>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<T> => ({
    rows: r.rows as T[],
    rowCount: r.affectedRows ?? r.rows.length,
  });
  return {
    kind: 'pglite',
    async query<T>(sql: string, params: unknown[] = []) {
      if (insideTransaction.getStore()?.open) throw nestedUse();
      return asResult<T>(await lite.query(sql, params));
    },
    // PGlite is one connection: its transactions are already exclusive, so they never conflict and need no retry.
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, setup?: string) {
      if (insideTransaction.getStore()?.open) throw nestedUse();
      return lite.transaction(async (tx) => {
        if (setup) await tx.exec(setup);
        // Work the transaction starts but does not wait for (a timer, a listener) may use the database once it ends.
        const state = { open: true };
        try {
          return await insideTransaction.run(state, () => fn({ query: async <R>(sql: string, params: unknown[] = []) => asResult<R>(await tx.query(sql, params)) }));
        } finally {
          state.open = false;
        }
      });
    },
    async exec(sql: string) {
      await lite.exec(sql);
    },
    async close() {
      await lite.close();
    },
  };
}

async function openServer(url: string, schema: string | undefined, max: number): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types: { getTypeParser: ((oid: number, format?: any) => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as any },
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  if (schema) {
    const c = await pool.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      c.release();
    }
  }
  const asResult = <T>(r: pg.QueryResult): QueryResult<T> => ({ rows: r.rows as T[], rowCount: r.rowCount ?? 0 });
  return {
    kind: 'postgres',
    async query<T>(sql: string, params: unknown[] = []) {
      return asResult<T>(await pool.query(sql, params as any[]));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, setup?: string) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query(setup ? `BEGIN; ${setup}` : 'BEGIN');
          const result = await fn({ query: async <R>(sql: string, params: unknown[] = []) => asResult<R>(await client.query(sql, params as any[])) });
          await client.query('COMMIT');
          return result;
        } catch (err: any) {
          await client.query('ROLLBACK').catch(() => {});
          if (RETRYABLE.has(err?.code) && attempt < 5) continue;
          throw err;
        } finally {
          client.release();
        }
      }
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async listen(channel, onPayload, onError) {
      let client: pg.Client | null = null;
      let closed = false;
      const connect = async () => {
        const c = new pg.Client({ connectionString: url });
        c.on('notification', (n) => n.channel === channel && n.payload !== undefined && onPayload(n.payload));
        c.on('error', (err) => {
          onError(err);
          c.end().catch(() => {});
          // Changes notified while reconnecting are missed here: those customers are brought back in line when
          // they change again or at the next full recompute (the daily layer refresh runs one).
          if (!closed) setTimeout(() => connect().catch(onError), 1000).unref();
        });
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        // Closed while (re)connecting: this connection is not wanted any more.
        if (closed) await c.end();
        else client = c;
      };
      await connect();
      return async () => {
        closed = true;
        await client?.end().catch(() => {});
      };
    },
    async close() {
      await pool.end();
    },
  };
}
