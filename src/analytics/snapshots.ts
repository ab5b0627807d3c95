// Writing Parquet snapshots of a workspace's events, orders, refunds and customers, in the background, so analytics
// reads columnar files with DuckDB and never scans the tables ingest writes to.
//
// Events, orders and refunds are copied by id. A boundary is taken together with PostgreSQL's snapshot of running
// transactions and exported only once all of those have ended: a row that commits late with a lower id is then
// already visible, so nothing is skipped. Rows past the exported boundary are read live at query time (see
// warehouse.ts), so analytics counts them too. Customers are copied whole when they changed and the copy is old.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import { KeyedQueue } from '../kernel/serial.ts';
import { literal, withDuck } from './duck.ts';
import { ndjsonLine, readJsonSql, SOURCES, type Source, type SourceName } from './sources.ts';

const PAGE = 50_000;
/** Rows per Parquet part at most; parts are merged when there are many small ones. */
const PART_ROWS = 5_000_000;
const COMPACT_AT = 16;
const CUSTOMERS_EVERY_MS = 10 * 60_000;
/** Retired parts stay on disk this long, for queries that started before their replacement. */
const RETIRE_GRACE_MS = 5 * 60_000;

export interface Part {
  source: SourceName;
  file: string;
  first_id: number;
  last_id: number;
  rows: number;
  created_at: Date;
}

export const analyticsDir = (ctx: AppContext, workspaceId: string) => path.join(ctx.config.dataDir, 'analytics', workspaceId);

export async function liveParts(tx: TenantTx): Promise<Part[]> {
  const { rows } = await tx.query<Part>(
    `SELECT source, file, first_id, last_id, rows, created_at FROM analytics_parts WHERE workspace_id = $1 AND retired_at IS NULL ORDER BY source, first_id`, [tx.workspaceId]);
  return rows;
}

export async function watermarks(tx: TenantTx): Promise<Record<string, number>> {
  const { rows } = await tx.query<{ source: string; last_id: number }>(`SELECT source, last_id FROM analytics_watermarks WHERE workspace_id = $1`, [tx.workspaceId]);
  return Object.fromEntries(rows.map((r) => [r.source, Number(r.last_id)]));
}

/** Copies rows of a source with ids in (after, upto] into a Parquet file; returns how many. */
async function writePart(ctx: AppContext, workspaceId: string, source: Source, after: number, upto: number, file: string): Promise<{ rows: number; first: number; last: number }> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.ndjson`;
  const out = fs.openSync(tmp, 'w');
  let n = 0;
  let first = 0;
  let last = after;
  try {
    for (;;) {
      // A page per transaction: ingest keeps its turn on the embedded database between pages.
      const page = await withTenant(ctx.db, workspaceId, (tx) => source.read(tx, workspaceId, last, upto, PAGE));
      if (page.length === 0) break;
      fs.writeSync(out, `${page.map(ndjsonLine).join('\n')}\n`);
      if (!first) first = Number(page[0].id);
      last = Number(page[page.length - 1].id);
      n += page.length;
      if (page.length < PAGE || n >= PART_ROWS) break;
    }
  } finally {
    fs.closeSync(out);
  }
  if (n > 0) await withDuck((d) => d.run(`COPY (${readJsonSql(source, tmp)}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`), 30 * 60_000);
  fs.rmSync(tmp, { force: true });
  return { rows: n, first, last };
}

/** Brings one append-only source up to its settled boundary, then takes the next boundary. */
async function exportSource(ctx: AppContext, workspaceId: string, name: 'events' | 'orders' | 'refunds'): Promise<number> {
  const source = SOURCES[name];
  const now = ctx.clock.now();
  const state = await withTenant(ctx.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ last_id: number; pending_id: number | null; settled: boolean | null }>(
      `SELECT last_id, pending_id, pg_snapshot_xmin(pg_current_snapshot()) >= pg_snapshot_xmax(pending_snapshot::pg_snapshot) AS settled
         FROM analytics_watermarks WHERE workspace_id = $1 AND source = $2`, [workspaceId, name]);
    return rows[0] ?? { last_id: 0, pending_id: null, settled: null };
  });
  let exported = 0;
  let last = Number(state.last_id);
  if (state.pending_id != null && state.settled && Number(state.pending_id) > last) {
    // Every transaction that could still add rows at or below the boundary has ended: copy up to it.
    while (last < Number(state.pending_id)) {
      // Each writer its own file name, so two processes copying the same range never write into one file.
      const file = path.join(analyticsDir(ctx, workspaceId), name, `${name}-${String(last + 1).padStart(12, '0')}-${randomBytes(4).toString('hex')}.parquet`);
      const part = await writePart(ctx, workspaceId, source, last, Number(state.pending_id), file);
      const upto = part.rows > 0 && part.rows >= PART_ROWS ? part.last : Number(state.pending_id);
      // The watermark moves only from where this copy started: if another process registered the range first, this
      // copy is dropped instead of counting its rows twice.
      const registered = await withTenant(ctx.db, workspaceId, async (tx) => {
        const moved = await tx.query(`UPDATE analytics_watermarks SET last_id = $3, updated_at = $4 WHERE workspace_id = $1 AND source = $2 AND last_id = $5`,
          [workspaceId, name, upto, now, last]);
        if (moved.rowCount === 0) return false;
        if (part.rows > 0) {
          await tx.query(`INSERT INTO analytics_parts (workspace_id, source, file, first_id, last_id, rows, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [workspaceId, name, path.relative(analyticsDir(ctx, workspaceId), file), part.first, part.last, part.rows, now]);
        }
        return true;
      });
      if (!registered) {
        fs.rmSync(file, { force: true });
        return exported;
      }
      exported += part.rows;
      last = upto;
    }
  }
  // The next boundary: the newest row now, with the transactions running now.
  await withTenant(ctx.db, workspaceId, (tx) => tx.query(
    `INSERT INTO analytics_watermarks (workspace_id, source, last_id, pending_id, pending_snapshot, updated_at)
     SELECT $1, $2, $3, (SELECT COALESCE(max(id), 0) FROM ${name} WHERE workspace_id = $1), pg_current_snapshot()::text, $4
     ON CONFLICT (workspace_id, source) DO UPDATE SET pending_id = EXCLUDED.pending_id, pending_snapshot = EXCLUDED.pending_snapshot, updated_at = EXCLUDED.updated_at`,
    [workspaceId, name, last, now]));
  if (exported > 0) await compact(ctx, workspaceId, name);
  return exported;
}

/** Many small parts are slower to read than one: merge them once there are more than a handful. */
async function compact(ctx: AppContext, workspaceId: string, name: SourceName) {
  const dir = analyticsDir(ctx, workspaceId);
  const parts = await withTenant(ctx.db, workspaceId, async (tx) => (await liveParts(tx)).filter((p) => p.source === name && Number(p.rows) < PART_ROWS / 2));
  if (parts.length < COMPACT_AT) return;
  const first = Math.min(...parts.map((p) => Number(p.first_id)));
  const last = Math.max(...parts.map((p) => Number(p.last_id)));
  const file = path.join(dir, name, `${name}-${String(first).padStart(12, '0')}-${String(last).padStart(12, '0')}-${randomBytes(4).toString('hex')}.parquet`);
  const list = parts.map((p) => literal(path.join(dir, p.file))).join(', ');
  await withDuck((d) => d.run(`COPY (SELECT * FROM read_parquet([${list}]) ORDER BY id) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`), 30 * 60_000);
  const rows = parts.reduce((s, p) => s + Number(p.rows), 0);
  const now = ctx.clock.now();
  // The merged part replaces exactly the parts it read; if another process retired any of them first, it merged
  // them too, and this copy is dropped.
  const replaced = await withTenant(ctx.db, workspaceId, async (tx) => {
    const retired = await tx.query(`UPDATE analytics_parts SET retired_at = $3 WHERE workspace_id = $1 AND source = $2 AND retired_at IS NULL AND file = ANY($4)`, [workspaceId, name, now, parts.map((p) => p.file)]);
    if (retired.rowCount !== parts.length) throw new CompactionLost();
    await tx.query(`INSERT INTO analytics_parts (workspace_id, source, file, first_id, last_id, rows, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [workspaceId, name, path.relative(dir, file), first, last, rows, now]);
    return true;
  }).catch((err) => {
    if (err instanceof CompactionLost) return false;
    throw err;
  });
  if (!replaced) fs.rmSync(file, { force: true });
}

class CompactionLost extends Error {}

/** A fresh copy of all customers, when the last one is old and customers changed since. */
async function exportCustomers(ctx: AppContext, workspaceId: string, force = false): Promise<number> {
  const now = ctx.clock.now();
  const { current, changed } = await withTenant(ctx.db, workspaceId, async (tx) => {
    const part = (await liveParts(tx)).find((p) => p.source === 'customers');
    const { rows } = await tx.query<{ changed: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM customers WHERE workspace_id = $1 AND updated_at > $2) OR EXISTS (SELECT 1 FROM merges WHERE workspace_id = $1 AND (created_at > $2 OR undone_at > $2)) AS changed`,
      [workspaceId, part?.created_at ?? new Date(0)]);
    return { current: part, changed: rows[0].changed };
  });
  if (current && !changed) return 0;
  if (current && !force && now.getTime() - new Date(current.created_at).getTime() < CUSTOMERS_EVERY_MS) return 0;
  const file = path.join(analyticsDir(ctx, workspaceId), 'customers', `customers-${now.getTime()}.parquet`);
  const part = await writePartAll(ctx, workspaceId, file);
  await withTenant(ctx.db, workspaceId, async (tx) => {
    // Registrations of customer copies take turns, so the newest replaces every other and exactly one stays live
    // even when two processes copy at the same moment.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('siyu.analytics_customers'), hashtext($1))`, [workspaceId]);
    await tx.query(`UPDATE analytics_parts SET retired_at = $2 WHERE workspace_id = $1 AND source = 'customers' AND retired_at IS NULL`, [workspaceId, now]);
    await tx.query(`INSERT INTO analytics_parts (workspace_id, source, file, first_id, last_id, rows, created_at) VALUES ($1, 'customers', $2, $3, $4, $5, $6)`,
      [workspaceId, path.relative(analyticsDir(ctx, workspaceId), file), part.first, part.last, part.rows, now]);
  });
  return part.rows;
}

async function writePartAll(ctx: AppContext, workspaceId: string, file: string) {
  return writePart(ctx, workspaceId, SOURCES.customers, 0, Number.MAX_SAFE_INTEGER, file);
}

/** Removes files of parts retired a while ago. */
async function sweep(ctx: AppContext, workspaceId: string) {
  const cutoff = new Date(ctx.clock.now().getTime() - RETIRE_GRACE_MS);
  const gone = await withTenant(ctx.db, workspaceId, async (tx) =>
    (await tx.query<{ file: string }>(`DELETE FROM analytics_parts WHERE workspace_id = $1 AND retired_at < $2 RETURNING file`, [workspaceId, cutoff])).rows);
  for (const g of gone) fs.rmSync(path.join(analyticsDir(ctx, workspaceId), g.file), { force: true });
}

/**
 * One pass for a workspace: each source copied up to its settled boundary, customers when due. `settle` runs the
 * pass twice so the boundary taken in the first is exported in the second (tests, benchmarks, a report run).
 */
export function snapshotWorkspace(ctx: AppContext, workspaceId: string, opts: { settle?: boolean; customers?: boolean } = {}): Promise<number> {
  // One pass at a time per workspace in this process: the background writer, POST /v1/analytics/snapshot and a report
  // run meet here. (Other processes are kept apart by the watermark and part checks below.)
  let queue = passes.get(ctx);
  if (!queue) passes.set(ctx, (queue = new KeyedQueue()));
  return queue.run(workspaceId, () => snapshotPass(ctx, workspaceId, opts));
}

/** Per platform (tests run several in one process, each standing for its own server). */
const passes = new WeakMap<AppContext, KeyedQueue>();

async function snapshotPass(ctx: AppContext, workspaceId: string, opts: { settle?: boolean; customers?: boolean }): Promise<number> {
  let n = 0;
  for (let round = 0; round < (opts.settle ? 2 : 1); round++) {
    for (const s of ['events', 'orders', 'refunds'] as const) n += await exportSource(ctx, workspaceId, s);
  }
  n += await exportCustomers(ctx, workspaceId, opts.customers);
  await sweep(ctx, workspaceId);
  return n;
}

/** Keeps every workspace's snapshots close behind the database (one pass a minute). */
export class SnapshotWriter extends PollingWorker {
  constructor(private readonly ctx: AppContext, pollMs = 60_000) {
    super('analytics snapshots', ctx.log, { pollMs, firstAfterMs: pollMs });
  }

  async runOnce(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ id: string }>(`SELECT id FROM workspaces ORDER BY id`);
    for (const { id } of rows) await snapshotWorkspace(this.ctx, id);
    return false; // one pass per poll: the boundaries taken now settle by the next
  }
}
