// Applying one chunk of file rows inside the transaction that also advances the import's checkpoint, so a crash
// either keeps the chunk and its checkpoint or neither: a restarted import resumes after the last whole chunk.
import type { AppContext } from '../../kernel/context.ts';
import type { TenantTx } from '../../kernel/tenant.ts';
import { storableCopy, unstorable } from '../../kernel/storable-json.ts';
import { ingestInTx, type IngestItem } from '../tracking/ingest.ts';
import { recordOrders } from '../orders/orders.ts';
import type { OrderInput } from '../orders/schema.ts';
import type { ColumnMap, ImportKind } from './columns.ts';
import type { Cell, SourceRow } from './readers.ts';
import { customerRow, eventRow, type FieldError, type ImportOptions, type OrderLine, orderRow } from './rows.ts';

export interface RowError {
  rowNo: number;
  field: string;
  message: string;
  raw: Record<string, string>;
}

export interface ChunkOutcome {
  ok: number;
  /** profiles the chunk touched, announced on the change feed after commit */
  customers: number[];
  errors: RowError[];
  counts: Record<string, number>;
}

export async function applyChunk(
  ctx: AppContext,
  tx: TenantTx,
  imp: { id: string; kind: ImportKind; options: ImportOptions },
  header: string[],
  map: ColumnMap,
  rows: SourceRow[],
): Promise<ChunkOutcome> {
  const out: ChunkOutcome = { ok: 0, customers: [], errors: [], counts: {} };
  const fail = (row: SourceRow, errors: FieldError[]) => {
    const raw = rawOf(header, row.cells);
    for (const e of errors) out.errors.push({ rowNo: row.rowNo, field: e.field, message: e.message, raw });
  };
  const storable = rows.filter((row) => {
    for (let i = 0; i < row.cells.length; i++) {
      const refused = unstorable(row.cells[i], header[i] ?? `column${i + 1}`);
      if (refused) {
        fail(row, [refused]);
        return false;
      }
    }
    return true;
  });
  if (imp.kind === 'orders') {
    await applyOrders(ctx, tx, imp, map, storable, out, fail);
  } else {
    const items: (IngestItem & { row: SourceRow })[] = [];
    for (const row of storable) {
      const r = imp.kind === 'customers' ? customerRow(map, row.cells) : eventRow(map, row.cells, imp.options);
      if (r.ok) items.push({ index: items.length, message: r.value, row });
      else fail(row, r.errors);
    }
    // The runner announces every touched profile as possibly changed, so piiChanged is not kept.
    const effects = { mergedAway: out.customers, piiChanged: [] };
    const results = items.length ? await ingestInTx(ctx, tx, items, { receivedAt: ctx.clock.now(), effects }) : [];
    out.customers.push(...results.filter((r) => r.customerId !== undefined).map((r) => r.customerId!));
    results.forEach((res, i) => {
      if (res.status === 'rejected') fail(items[i].row, res.errors ?? []);
      else {
        out.ok++;
        bump(out.counts, res.status === 'duplicate' ? 'duplicates' : 'stored');
      }
    });
  }
  return out;
}

const bump = (counts: Record<string, number>, key: string, by = 1) => (counts[key] = (counts[key] ?? 0) + by);

function rawOf(header: string[], cells: Cell[]): Record<string, string> {
  const raw: Record<string, string> = {};
  cells.forEach((c, i) => (raw[storableCopy(header[i] ?? `column${i + 1}`)] = c === null ? '' : c instanceof Date ? c.toISOString() : storableCopy(String(c))));
  return raw;
}

async function applyOrders(
  ctx: AppContext,
  tx: TenantTx,
  imp: { id: string; options: ImportOptions },
  map: ColumnMap,
  rows: SourceRow[],
  out: ChunkOutcome,
  fail: (row: SourceRow, errors: FieldError[]) => void,
) {
  // Lines of one order are grouped; an order's header (date, customer, channel) comes from its first line.
  const groups = new Map<string, { lines: { row: SourceRow; line: OrderLine }[] }>();
  for (const row of rows) {
    const r = orderRow(map, row.cells, imp.options);
    if (!r.ok) {
      fail(row, r.errors);
      continue;
    }
    const g = groups.get(r.value.orderId) ?? { lines: [] };
    const first = g.lines[0]?.line;
    if (first && first.kind !== r.value.kind) {
      fail(row, [{ field: 'quantity', message: `order ${r.value.orderId} mixes sold and returned lines; split returns into their own order` }]);
      continue;
    }
    g.lines.push({ row, line: r.value });
    groups.set(r.value.orderId, g);
  }
  if (groups.size === 0) return;

  const existing = await tx.query<{ id: number; order_id: string; kind: string; imp: string | null }>(
    `SELECT id, order_id, kind, properties->>'_import' AS imp FROM orders WHERE workspace_id = $1 AND order_id = ANY($2)`,
    [tx.workspaceId, [...groups.keys()]],
  );
  const known = new Map(existing.rows.map((r) => [r.order_id, r]));
  const inputs: OrderInput[] = [];
  const inputLines: { row: SourceRow }[][] = [];
  for (const [orderId, g] of groups) {
    const prior = known.get(orderId);
    const total = g.lines.reduce((s, { line }) => s + (line.item ? line.item.quantity * line.item.unit_price : line.amount ?? 0), 0);
    const items = g.lines.filter((l) => l.line.item).map((l) => l.line.item!);
    if (prior && prior.imp === imp.id && prior.kind === g.lines[0].line.kind) {
      // The same order seen again further down this file: its lines join the order already stored.
      await tx.query(
        `UPDATE orders SET items = items || $3::jsonb, amount = amount + $4,
                refunded_amount = refunded_amount + CASE WHEN kind = 'return' THEN $4 ELSE 0 END, updated_at = now()
          WHERE workspace_id = $1 AND id = $2`,
        [tx.workspaceId, prior.id, JSON.stringify(items), total],
      );
      out.ok += g.lines.length;
      bump(out.counts, 'lines_appended', g.lines.length);
      continue;
    }
    if (prior) {
      for (const { row } of g.lines) fail(row, [{ field: 'order_id', message: `${orderId} was already recorded before this import; not imported twice` }]);
      continue;
    }
    const first = g.lines[0].line;
    inputs.push({
      order_id: orderId,
      kind: first.kind,
      customer: first.customer,
      amount: total,
      currency: first.currency as OrderInput['currency'],
      items,
      channel: first.channel,
      store: first.store,
      placed_at: first.placedAt.toISOString(),
      properties: { ...first.properties, _import: imp.id },
    });
    inputLines.push(g.lines);
  }
  if (inputs.length === 0) return;
  const answers = await recordOrders(ctx, tx, inputs, 'import', out.customers);
  answers.forEach((a, i) => {
    const lines = inputLines[i];
    out.ok += lines.length;
    bump(out.counts, 'orders_created');
    bump(out.counts, 'lines', lines.length);
    if (inputs[i].kind === 'return') bump(out.counts, 'returns');
    if (a.order?.customer_id == null) bump(out.counts, 'guest_orders');
    if (a.order?.customer_id == null) bump(out.counts, 'guest_lines', lines.length);
    for (const w of a.warnings) bump(out.counts, `ignored_${w.field.replace('customer.', '')}`);
  });
}
