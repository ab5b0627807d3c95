// Streaming row readers for CSV and XLSX. Neither holds the file in memory: rows are pulled one at a time with
// backpressure, and the number of bytes consumed so far is reported for progress.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export type Cell = string | number | Date | boolean | null;

export interface SourceRow {
  /** 1-based data row number (the header is row 0). */
  rowNo: number;
  cells: Cell[];
}

export interface RowSource {
  header: string[];
  rows: AsyncGenerator<SourceRow>;
  bytesRead(): number;
  close(): void;
}

export async function openRows(file: string, format: 'csv' | 'xlsx'): Promise<RowSource> {
  return format === 'csv' ? openCsv(file) : openXlsx(file);
}

async function openCsv(file: string): Promise<RowSource> {
  let bytes = 0;
  const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  stream.on('data', (chunk) => (bytes += chunk.length));
  const parser = stream.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true }));
  const it = parser[Symbol.asyncIterator]();
  const first = await it.next();
  const header = first.done ? [] : (first.value as string[]).map((h) => h.trim());
  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNo = 0;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield { rowNo: ++rowNo, cells: next.value as string[] };
    }
  }
  return { header, rows: rows(), bytesRead: () => bytes, close: () => stream.destroy() };
}

async function openXlsx(file: string): Promise<RowSource> {
  let bytes = 0;
  const stream = fs.createReadStream(file);
  stream.on('data', (chunk) => (bytes += chunk.length));
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(stream, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'ignore', worksheets: 'emit' });
  const sheets = workbook[Symbol.asyncIterator]();
  const sheet = await sheets.next();
  if (sheet.done) return { header: [], rows: (async function* () {})(), bytesRead: () => bytes, close: () => stream.destroy() };
  const it = (sheet.value as any)[Symbol.asyncIterator]() as AsyncIterator<ExcelJS.Row>;
  const headerRow = await it.next();
  const header = headerRow.done ? [] : cellsOf(headerRow.value).map((c) => String(c ?? '').trim());
  async function* rows(): AsyncGenerator<SourceRow> {
    let rowNo = 0;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const cells = cellsOf(next.value);
      rowNo++;
      if (cells.every((c) => c === null || c === '')) continue;
      yield { rowNo, cells };
    }
  }
  return { header, rows: rows(), bytesRead: () => bytes, close: () => stream.destroy() };
}

function cellsOf(row: ExcelJS.Row): Cell[] {
  const values = (row.values as unknown[]).slice(1); // exceljs rows are 1-based
  return values.map((v): Cell => {
    if (v === undefined || v === null) return null;
    if (v instanceof Date || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    const o = v as any;
    if ('result' in o) return o.result ?? null; // formula
    if ('richText' in o) return o.richText.map((t: any) => t.text).join('');
    if ('text' in o) return String(o.text);
    return String(v);
  });
}
