// Imported tags: a CSV or XLSX listing customers by id, user id, phone, email or member number. Streamed row by
// row; each row that names nobody is reported with its reason, nothing is silently dropped.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { normalizeIdentifier, type IdType } from '../identity/identifiers.ts';
import { openRows } from '../ingest/imports/readers.ts';
import { formatOf } from '../ingest/imports/imports.ts';
import { badRequest } from '../kernel/errors.ts';
import { tagCustomers } from './publish.ts';

const COLUMNS: Record<string, IdType | 'customer_id'> = {
  customer_id: 'customer_id', id: 'customer_id', 客户id: 'customer_id',
  user_id: 'user_id', userid: 'user_id', 用户id: 'user_id',
  phone: 'phone', mobile: 'phone', 手机号: 'phone', 手机: 'phone',
  email: 'email', 邮箱: 'email',
  member_no: 'member_no', 会员卡号: 'member_no', 会员号: 'member_no',
};

export async function importTagMembers(ctx: AppContext, tx: TenantTx, tagId: number, filename: string, file: string, source: string) {
  const rows = await openRows(file, formatOf(filename));
  const col = rows.header.findIndex((h) => COLUMNS[h.trim().toLowerCase().replace(/[\s-]/g, '_')] !== undefined);
  if (col < 0) {
    rows.close();
    throw badRequest('file', `needs a column named one of ${Object.keys(COLUMNS).join(', ')} (found: ${rows.header.join(', ')})`);
  }
  const type = COLUMNS[rows.header[col].trim().toLowerCase().replace(/[\s-]/g, '_')];
  const errors: { row: number; value: string; message: string }[] = [];
  let matched = 0;
  let total = 0;
  const pending: { row: number; value: string; key: string }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const found = type === 'customer_id'
      ? await tx.query<{ k: string; root: number }>(`SELECT id::text AS k, canonical_id AS root FROM customers WHERE id = ANY($1::bigint[])`, [pending.map((p) => p.key)])
      : await tx.query<{ k: string; root: number }>(
        `SELECT i.value_hash AS k, c.canonical_id AS root FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.id_type = $1 AND i.scope = '' AND i.value_hash = ANY($2)`,
        [type, pending.map((p) => p.key)]);
    const byKey = new Map(found.rows.map((r) => [r.k, r.root]));
    const roots: number[] = [];
    for (const p of pending) {
      const root = byKey.get(p.key);
      if (root === undefined) errors.push({ row: p.row, value: p.value, message: 'no customer has this identifier' });
      else roots.push(root);
    }
    matched += roots.length;
    if (roots.length) await tagCustomers(tx, tagId, roots, source);
    pending.length = 0;
  };
  for await (const r of rows.rows) {
    total++;
    const raw = String(r.cells[col] ?? '').trim();
    if (type === 'customer_id') {
      if (!/^\d{1,15}$/.test(raw)) errors.push({ row: r.rowNo, value: raw, message: 'customer_id must be a number' });
      else pending.push({ row: r.rowNo, value: raw, key: raw });
    } else {
      const n = normalizeIdentifier(type, raw);
      if (!n.ok) errors.push({ row: r.rowNo, value: raw, message: n.reason });
      else pending.push({ row: r.rowNo, value: raw, key: ctx.pii.blindIndex(type, n.value) });
    }
    if (pending.length >= 2000) await flush();
  }
  await flush();
  errors.sort((a, b) => a.row - b.row);
  return { column: rows.header[col], rows: total, matched, errors: errors.slice(0, 1000), errorCount: errors.length };
}
