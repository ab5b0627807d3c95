// Dense per-workspace customer ids come from one PostgreSQL sequence per workspace: no row lock serializes
// concurrent ingest the way a counter column would, and ids stay small enough to index bitsets.
import type { Queryable } from '../kernel/db.ts';

export const customerSequence = (workspaceId: string) => `customer_seq_${workspaceId.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;

export async function createCustomerSequence(db: Queryable, workspaceId: string): Promise<void> {
  const seq = customerSequence(workspaceId);
  await db.query(`CREATE SEQUENCE IF NOT EXISTS ${seq}`);
  await db.query(`GRANT USAGE, SELECT ON SEQUENCE ${seq} TO siyu_tenant`);
}

export async function allocateCustomerIds(tx: Queryable, workspaceId: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await tx.query<{ id: number }>(`SELECT nextval('${customerSequence(workspaceId)}') AS id FROM generate_series(1, $1)`, [n]);
  return rows.map((r) => r.id);
}
