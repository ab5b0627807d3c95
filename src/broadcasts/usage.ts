// Broadcasts not yet finished read their segment: this module's part of "where used" (kernel/where-used.ts).
import type { TenantTx } from '../kernel/tenant.ts';
import type { Usage, UsageTarget } from '../kernel/module.ts';

export async function broadcastsReading(tx: TenantTx, target: UsageTarget): Promise<Usage[]> {
  if (!target.segment) return [];
  const { rows } = await tx.query<{ id: number; name: string }>(
    `SELECT id, name FROM broadcasts WHERE workspace_id = $1 AND status IN ('scheduled','running','paused') AND segment = $2`, [tx.workspaceId, target.segment]);
  return rows.map((b) => ({ kind: 'broadcast', key: String(b.id), name: b.name }));
}
