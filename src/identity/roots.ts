// Which profile survived: every profile id, merged away or not, has one surviving (canonical) profile. Everything
// that takes a customer id from outside (an API path, an event, a file) asks here, so merges are followed the same way
// everywhere. Queries that join many rows may still join customers.canonical_id themselves.
import type { TenantTx } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';

/** The surviving profile of `id`, or 404 when there is no such profile. */
export async function rootOf(tx: TenantTx, id: number): Promise<number> {
  const { rows } = await tx.query<{ root: number }>(`SELECT canonical_id AS root FROM customers WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`customer ${id}`);
  return Number(rows[0].root);
}

/** The surviving profile of each id that exists (unknown ids are absent from the map). */
export async function rootsOf(tx: TenantTx, ids: readonly number[]): Promise<Map<number, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ id: number; root: number }>(
    `SELECT id, canonical_id AS root FROM customers WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [tx.workspaceId, [...new Set(ids)]]);
  return new Map(rows.map((r) => [Number(r.id), Number(r.root)]));
}

/** The distinct surviving profiles of `ids`, ascending (unknown ids dropped). */
export async function distinctRoots(tx: TenantTx, ids: readonly number[]): Promise<number[]> {
  return [...new Set((await rootsOf(tx, ids)).values())].sort((a, b) => a - b);
}
