// Runs queued imports: claims one with a lease (several processes can run imports; a crashed one's lease runs out
// and another resumes it), streams its file, and applies it chunk by chunk from the last checkpoint.
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { PollingWorker } from '../../kernel/worker.ts';
import { applyChunk, type RowError } from './apply.ts';
import { type ImportKind, mapColumns, requiredColumns } from './columns.ts';
import { openRows, type SourceRow } from './readers.ts';
import type { ImportOptions } from './rows.ts';

export interface ImportRow {
  workspace_id: string;
  id: string;
  kind: ImportKind;
  format: 'csv' | 'xlsx';
  file_path: string;
  options: ImportOptions;
  rows_done: number;
  bytes_total: number;
}

export interface RunnerOptions {
  leaseMs: number;
  pollMs: number;
  chunkRows: number;
}

export const DEFAULT_RUNNER: RunnerOptions = { leaseMs: 30_000, pollMs: 500, chunkRows: 2000 };

export class ImportRunner extends PollingWorker {
  constructor(
    private readonly ctx: AppContext,
    private readonly opts: RunnerOptions = DEFAULT_RUNNER,
  ) {
    super('imports', ctx.log, { pollMs: opts.pollMs });
  }

  /** Claims and finishes one import; false when there was nothing to do. */
  async runOnce(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<ImportRow>(
      `UPDATE imports SET status = 'running', started_at = COALESCE(started_at, now()), lease_until = now() + $1 * interval '1 millisecond'
        WHERE (workspace_id, id) = (SELECT workspace_id, id FROM imports
                                     WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING workspace_id, id, kind, format, file_path, options, rows_done, bytes_total`,
      [this.opts.leaseMs],
    );
    if (!rows[0]) return false;
    try {
      await this.process(rows[0]);
    } catch (err: any) {
      this.ctx.log.warn({ err: String(err?.message ?? err), importId: rows[0].id }, 'import failed');
      await this.ctx.db.query(`UPDATE imports SET status = 'failed', error = $3, finished_at = now() WHERE workspace_id = $1 AND id = $2`, [
        rows[0].workspace_id, rows[0].id, String(err?.message ?? err),
      ]);
    }
    return true;
  }

  private async process(imp: ImportRow) {
    const source = await openRows(imp.file_path, imp.format);
    try {
      await this.ctx.db.query(`UPDATE imports SET header = $3 WHERE workspace_id = $1 AND id = $2`, [imp.workspace_id, imp.id, source.header]);
      const map = mapColumns(imp.kind, source.header, imp.options.mapping);
      const missing = requiredColumns(imp.kind).filter((any) => !any.some((f) => map.fields.has(f)));
      if (missing.length > 0) {
        const names = missing.map((any) => any.join(' or ')).join('; ');
        throw new Error(`the file has no column for ${names} (found: ${source.header.join(', ')}); rename the header or pass a mapping`);
      }
      const orderCol = map.fields.get('order_id');
      let chunk: SourceRow[] = [];
      for await (const row of source.rows) {
        if (row.rowNo <= imp.rows_done) continue; // applied before a restart
        // Orders: a chunk never ends inside an order, so each order's lines are applied together.
        const full = chunk.length >= this.opts.chunkRows;
        const sameOrder = imp.kind === 'orders' && chunk.length > 0 && orderCol !== undefined && String(row.cells[orderCol] ?? '') === String(chunk[chunk.length - 1].cells[orderCol] ?? '');
        if (full && !sameOrder) {
          await this.commit(imp, source.header, map, chunk, source.bytesRead());
          chunk = [];
          // Let requests waiting for the (single-connection) embedded database in between chunks.
          await new Promise((r) => setImmediate(r));
        }
        chunk.push(row);
      }
      if (chunk.length > 0) await this.commit(imp, source.header, map, chunk, source.bytesRead());
      await this.ctx.db.query(
        `UPDATE imports SET status = 'done', finished_at = now(), bytes_done = bytes_total, lease_until = NULL WHERE workspace_id = $1 AND id = $2`,
        [imp.workspace_id, imp.id],
      );
    } finally {
      source.close();
    }
  }

  private async commit(imp: ImportRow, header: string[], map: ReturnType<typeof mapColumns>, chunk: SourceRow[], bytes: number) {
    const touched = await withTenant(this.ctx.db, imp.workspace_id, async (tx) => {
      const outcome = await applyChunk(this.ctx, tx, imp, header, map, chunk);
      await insertErrors(tx, imp.id, outcome.errors);
      const errorRows = new Set(outcome.errors.map((e) => e.rowNo)).size;
      const { rowCount } = await tx.query(
        `UPDATE imports SET rows_done = $3, rows_ok = rows_ok + $4, rows_error = rows_error + $5, bytes_done = LEAST($6, bytes_total),
                summary = (SELECT coalesce(jsonb_object_agg(k, coalesce((summary->>k)::bigint, 0) + coalesce((($7::jsonb)->>k)::bigint, 0)), '{}')
                             FROM (SELECT jsonb_object_keys(summary || $7::jsonb) AS k) keys),
                lease_until = now() + $8 * interval '1 millisecond'
          WHERE workspace_id = $1 AND id = $2 AND rows_done = $9`,
        [imp.workspace_id, imp.id, chunk[chunk.length - 1].rowNo, outcome.ok, errorRows, bytes, JSON.stringify(outcome.counts), this.opts.leaseMs, imp.rows_done],
      );
      // Another process took the import over (our lease ran out): roll back rather than apply the chunk twice.
      if (rowCount !== 1) throw new Error(`import ${imp.id} was taken over by another runner`);
      return outcome.customers;
    });
    this.ctx.changes.customersChanged(imp.workspace_id, touched);
    imp.rows_done = chunk[chunk.length - 1].rowNo;
  }
}

async function insertErrors(tx: { query: (sql: string, p?: unknown[]) => Promise<unknown>; workspaceId: string }, importId: string, errors: RowError[]) {
  if (errors.length === 0) return;
  // One error per row and field: a field reported twice keeps its first message.
  const seen = new Set<string>();
  const unique = errors.filter((e) => (seen.has(`${e.rowNo}|${e.field}`) ? false : (seen.add(`${e.rowNo}|${e.field}`), true)));
  await tx.query(
    `INSERT INTO import_errors (workspace_id, import_id, row_no, field, message, raw)
     SELECT $1, $2, * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::jsonb[]) ON CONFLICT DO NOTHING`,
    [tx.workspaceId, importId, unique.map((e) => e.rowNo), unique.map((e) => e.field), unique.map((e) => e.message), unique.map((e) => JSON.stringify(e.raw))],
  );
}
