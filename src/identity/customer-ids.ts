// Dense per-workspace customer ids come from one PostgreSQL sequence per workspace: no row lock serializes
// concurrent ingest the way a counter column would, and ids stay small enough to index bitsets. A trigger on
// workspaces creates the sequence (migrations/0014), under the same name as customerSequence().
import type { Queryable } from '../kernel/db.ts';

export const customerSequence = (workspaceId: string) => `customer_seq_${workspaceId.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;

export async function allocateCustomerIds(tx: Queryable, workspaceId: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await tx.query<{ id: number }>(`SELECT nextval('${customerSequence(workspaceId)}') AS id FROM generate_series(1, $1)`, [n]);
  return rows.map((r) => r.id);
}
