// Turning one file row into what the platform ingests — an identify or track message, or an order line —
// or into per-field errors that go into the import's error report.
import crypto from 'node:crypto';
import { parseDateTime } from '../../kernel/time.ts';
import type { TrackingMessage } from '../tracking/schema.ts';
import { CURRENCIES } from '../orders/schema.ts';
import type { Cell } from './readers.ts';
import { type ColumnMap, identifierFields } from './columns.ts';

export interface ImportOptions {
  /** Zone of date-times written without an offset. */
  timezone: string;
  /** Currency when the file has no currency column. */
  currency: string;
  /** 'major' when prices are written in yuan/dollars (2.55), 'minor' when in fen/cents (255). */
  moneyUnit: 'major' | 'minor';
  mapping?: Record<string, string>;
}

export type FieldError = { field: string; message: string };
export type RowResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

const text = (c: Cell | undefined): string => (c === null || c === undefined ? '' : c instanceof Date ? c.toISOString() : String(c).trim());

function read(map: ColumnMap, cells: Cell[], field: string): string {
  const i = map.fields.get(field);
  return i === undefined ? '' : text(cells[i]);
}

function extras(map: ColumnMap, cells: Cell[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { index, key } of map.extra) {
    const v = cells[index];
    if (v !== null && v !== undefined && v !== '') out[key] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

function identifiersOf(map: ColumnMap, cells: Cell[]): Record<string, string> {
  const ids: Record<string, string> = {};
  for (const f of identifierFields) {
    const v = read(map, cells, f);
    if (v) ids[f] = v;
  }
  return ids;
}

/** A deterministic messageId from the row's content: re-importing the same file stores nothing twice. */
const contentId = (prefix: string, cells: Cell[]) => `${prefix}-${crypto.createHash('sha1').update(JSON.stringify(cells.map(text))).digest('hex')}`;

export function customerRow(map: ColumnMap, cells: Cell[]): RowResult<TrackingMessage> {
  const ids = identifiersOf(map, cells);
  const { user_id, anonymous_id, ...traitIds } = ids;
  if (Object.keys(ids).filter((k) => k !== 'openid_app_id').length === 0) {
    return { ok: false, errors: [{ field: 'user_id', message: 'row has no identifier (user_id, phone, email, member_no, unionid, openid ...)' }] };
  }
  const traits: Record<string, unknown> = { ...extras(map, cells), ...traitIds };
  for (const f of ['name', 'gender', 'birthday', 'address', 'city', 'province', 'source_channel']) {
    const v = read(map, cells, f);
    if (v) traits[f] = v;
  }
  return { ok: true, value: { type: 'identify', messageId: contentId('imp-c', cells), userId: user_id ?? null, anonymousId: anonymous_id ?? null, traits } };
}

export function eventRow(map: ColumnMap, cells: Cell[], opts: ImportOptions): RowResult<TrackingMessage> {
  const errors: FieldError[] = [];
  const event = read(map, cells, 'event');
  const type = (read(map, cells, 'type') || 'track').toLowerCase();
  if (!['track', 'page', 'screen'].includes(type)) errors.push({ field: 'type', message: `"${type}" must be track, page or screen` });
  if (!event && type === 'track') errors.push({ field: 'event', message: 'is required' });
  const rawTs = map.fields.has('timestamp') ? cells[map.fields.get('timestamp')!] : null;
  const ts = rawTs === null || rawTs === '' ? null : parseDateTime(rawTs, opts.timezone);
  if (!ts) errors.push({ field: 'timestamp', message: rawTs ? `"${text(rawTs)}" is not a date-time (use 2024-06-18 20:15:00 or ISO-8601)` : 'is required' });
  const ids = identifiersOf(map, cells);
  const { user_id, anonymous_id, ...traitIds } = ids;
  if (!user_id && !anonymous_id && Object.keys(traitIds).length === 0) errors.push({ field: 'user_id', message: 'row has no identifier' });
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      type: type as 'track',
      messageId: read(map, cells, 'message_id') || contentId('imp-e', cells),
      event: type === 'track' ? event : undefined,
      name: type === 'track' ? undefined : event || null,
      userId: user_id ?? null,
      anonymousId: anonymous_id ?? (user_id ? null : `imp-${Object.values(traitIds).join('|')}`),
      timestamp: ts!.toISOString(),
      properties: extras(map, cells),
      context: Object.keys(traitIds).length ? { traits: traitIds } : {},
    },
  };
}

export interface OrderLine {
  orderId: string;
  kind: 'sale' | 'return';
  placedAt: Date;
  customer: Record<string, string>;
  currency: string;
  channel?: string;
  store?: string;
  /** Order total in minor units when the file has an amount column instead of item lines. */
  amount?: number;
  item?: { sku: string; name?: string; category?: string; quantity: number; unit_price: number };
  properties: Record<string, unknown>;
}

function money(raw: string, opts: ImportOptions, field: string, errors: FieldError[]): number | null {
  const n = Number(raw.replace(/[,¥￥$£€\s]/g, ''));
  if (!Number.isFinite(n)) {
    errors.push({ field, message: `"${raw}" is not a number` });
    return null;
  }
  if (n < 0) {
    errors.push({ field, message: `must not be negative (got ${raw})` });
    return null;
  }
  const minor = opts.moneyUnit === 'major' ? Math.round(n * 100) : n;
  if (!Number.isInteger(minor)) {
    errors.push({ field, message: `${raw} has fractions of a fen/cent` });
    return null;
  }
  return minor;
}

export function orderRow(map: ColumnMap, cells: Cell[], opts: ImportOptions): RowResult<OrderLine> {
  const errors: FieldError[] = [];
  const orderId = read(map, cells, 'order_id');
  if (!orderId) errors.push({ field: 'order_id', message: 'is required' });
  const rawTs = map.fields.has('placed_at') ? cells[map.fields.get('placed_at')!] : null;
  const placedAt = rawTs === null || rawTs === '' ? null : parseDateTime(rawTs, opts.timezone);
  if (!placedAt) errors.push({ field: 'placed_at', message: rawTs ? `"${text(rawTs)}" is not a date-time` : 'is required' });
  const currency = (read(map, cells, 'currency') || opts.currency).toUpperCase();
  if (!(CURRENCIES as readonly string[]).includes(currency)) errors.push({ field: 'currency', message: `"${currency}" is not a supported currency` });

  let kind: 'sale' | 'return' = /^(return|refund|退货|退款)$/i.test(read(map, cells, 'kind')) ? 'return' : 'sale';
  let item: OrderLine['item'];
  let amount: number | undefined;
  const qtyRaw = read(map, cells, 'quantity');
  const priceRaw = read(map, cells, 'unit_price');
  if (map.fields.has('unit_price')) {
    const qty = qtyRaw === '' ? 1 : Number(qtyRaw);
    if (!Number.isInteger(qty) || qty === 0) errors.push({ field: 'quantity', message: `"${qtyRaw}" must be a whole number other than 0` });
    // A negative quantity is a returned line (credit notes in POS and e-commerce exports).
    if (qty < 0) kind = 'return';
    const unit = priceRaw === '' ? null : money(priceRaw, opts, 'unit_price', errors);
    if (priceRaw === '') errors.push({ field: 'unit_price', message: 'is required' });
    const sku = read(map, cells, 'sku');
    if (!sku) errors.push({ field: 'sku', message: 'is required for item lines' });
    if (unit !== null && Number.isInteger(qty)) {
      item = { sku, quantity: Math.abs(qty), unit_price: unit };
      const name = read(map, cells, 'product_name');
      const category = read(map, cells, 'category');
      if (name) item.name = name;
      if (category) item.category = category;
    }
  } else {
    const raw = read(map, cells, 'amount');
    if (!raw) errors.push({ field: 'amount', message: 'is required' });
    else amount = money(raw, opts, 'amount', errors) ?? undefined;
  }
  if (errors.length) return { ok: false, errors };
  const properties = extras(map, cells);
  const country = read(map, cells, 'country');
  if (country) properties.country = country;
  return {
    ok: true,
    value: {
      orderId, kind, placedAt: placedAt!, customer: identifiersOf(map, cells), currency,
      channel: read(map, cells, 'channel') || undefined, store: read(map, cells, 'store') || undefined, amount, item, properties,
    },
  };
}
