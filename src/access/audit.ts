// Audit trail of operator changes and PII reads, written inside the same transaction as the change it records.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Actor } from './actor.ts';

export async function audit(
  tx: TenantTx,
  actor: Actor,
  action: string,
  target: { type: string; id: string | number } | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `INSERT INTO audit_log (workspace_id, actor_type, actor_id, action, target_type, target_id, details) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [tx.workspaceId, actor.type, actor.id, action, target?.type ?? null, target ? String(target.id) : null, details],
  );
}
