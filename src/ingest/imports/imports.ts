// Creating, listing and reporting imports. Files are stored under <dataDir>/imports until processed.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant, type TenantTx } from '../../kernel/tenant.ts';
import { badRequest, notFound } from '../../kernel/errors.ts';
import { isValidTimeZone } from '../../kernel/time.ts';
import { csvLine } from '../../kernel/csv.ts';
import { newId } from '../../access/workspaces.ts';
import { CURRENCIES } from '../orders/schema.ts';
import type { ImportKind } from './columns.ts';
import type { ImportOptions } from './rows.ts';

export function formatOf(filename: string): 'csv' | 'xlsx' {
  const ext = path.extname(filename).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  throw badRequest('file', `"${filename}" must be a .csv or .xlsx file`);
}

export function importOptions(raw: Partial<ImportOptions> & Record<string, unknown>, workspaceTz: string): ImportOptions {
  const timezone = String(raw.timezone ?? workspaceTz);
  if (!isValidTimeZone(timezone)) throw badRequest('options.timezone', `"${timezone}" is not an IANA time zone such as Asia/Shanghai`);
  const currency = String(raw.currency ?? 'CNY').toUpperCase();
  if (!(CURRENCIES as readonly string[]).includes(currency)) throw badRequest('options.currency', `"${currency}" is not one of ${CURRENCIES.join(', ')}`);
  const moneyUnit = raw.moneyUnit ?? 'major';
  if (moneyUnit !== 'major' && moneyUnit !== 'minor') throw badRequest('options.moneyUnit', 'must be "major" (2.55) or "minor" (255)');
  const mapping = raw.mapping ?? {};
  if (typeof mapping !== 'object' || Array.isArray(mapping)) throw badRequest('options.mapping', 'must be an object { field: "Column header" }');
  return { timezone, currency, moneyUnit, mapping: mapping as Record<string, string> };
}

export async function createImport(
  ctx: AppContext,
  tx: TenantTx,
  input: { kind: ImportKind; filename: string; filePath: string; options: ImportOptions; createdBy: string },
) {
  const id = newId('imp');
  const bytes = fs.statSync(input.filePath).size;
  await tx.query(
    `INSERT INTO imports (workspace_id, id, kind, format, filename, file_path, options, bytes_total, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [tx.workspaceId, id, input.kind, formatOf(input.filename), input.filename, input.filePath, input.options, bytes, input.createdBy],
  );
  return id;
}

/** Streams an upload to disk (never into memory) and returns where it landed. */
export async function storeUpload(ctx: AppContext, filename: string, stream: Readable): Promise<string> {
  const dir = path.join(ctx.config.dataDir, 'imports');
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${newId('upload')}${path.extname(filename).toLowerCase()}`);
  await pipeline(stream, fs.createWriteStream(target));
  return target;
}

const VIEW = `id, kind, format, filename, status, bytes_total, bytes_done, rows_done, rows_ok, rows_error, summary, error, options,
              created_by, created_at, started_at, finished_at`;

export function importView(r: any) {
  const progress = r.status === 'done' ? 1 : r.bytes_total > 0 ? Math.min(0.99, r.bytes_done / r.bytes_total) : 0;
  return {
    id: r.id,
    kind: r.kind,
    format: r.format,
    filename: r.filename,
    status: r.status,
    progress,
    bytesTotal: r.bytes_total,
    bytesDone: r.bytes_done,
    rowsDone: r.rows_done,
    rowsOk: r.rows_ok,
    rowsError: r.rows_error,
    summary: r.summary,
    error: r.error,
    options: r.options,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    startedAt: r.started_at ? new Date(r.started_at).toISOString() : null,
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  };
}

export async function getImport(tx: TenantTx, id: string) {
  const { rows } = await tx.query(`SELECT ${VIEW} FROM imports WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`import ${id}`);
  return importView(rows[0]);
}

export async function listImports(tx: TenantTx, limit: number) {
  const { rows } = await tx.query(`SELECT ${VIEW} FROM imports WHERE workspace_id = $1 ORDER BY created_at DESC LIMIT $2`, [tx.workspaceId, limit]);
  return rows.map(importView);
}

/** The per-row error report as CSV, safe to open in a spreadsheet, in pages so large reports stream. */
export async function* errorReport(ctx: AppContext, workspaceId: string, importId: string): AsyncGenerator<string> {
  const header = await withTenant(ctx.db, workspaceId, async (tx) => {
    await getImport(tx, importId);
    return (await tx.query<{ header: string[] | null }>(`SELECT header FROM imports WHERE workspace_id = $1 AND id = $2`, [workspaceId, importId])).rows[0].header ?? [];
  });
  // The original row follows in its own columns, so the report can be fixed in a spreadsheet and imported again.
  yield '\ufeff' + csvLine(['row', 'field', 'message', ...header]);
  let after = -1;
  for (;;) {
    const { rows } = await withTenant(ctx.db, workspaceId, (tx) =>
      tx.query<{ row_no: number; field: string; message: string; raw: Record<string, string> }>(
        `SELECT row_no, field, message, raw FROM import_errors
          WHERE workspace_id = $1 AND import_id = $2
            AND row_no IN (SELECT DISTINCT row_no FROM import_errors WHERE workspace_id = $1 AND import_id = $2 AND row_no > $3 ORDER BY row_no LIMIT 2000)
          ORDER BY row_no, field`,
        [workspaceId, importId, after],
      ),
    );
    if (rows.length === 0) return;
    // Pages hold whole rows, so a row's several field errors never straddle two pages.
    yield rows.map((r) => csvLine([r.row_no, r.field, r.message, ...header.map((h) => r.raw[h] ?? '')])).join('');
    after = rows[rows.length - 1].row_no;
  }
}
