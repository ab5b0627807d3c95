// Where segments are used by other segments (this module's part of "where used", kernel/where-used.ts).
import type { TenantTx } from '../kernel/tenant.ts';
import type { Usage, UsageTarget } from '../kernel/module.ts';
import { readsTarget, references, type Rule } from '../rules/rules.ts';

export async function segmentsReading(tx: TenantTx, target: UsageTarget): Promise<Usage[]> {
  const { rows } = await tx.query<{ key: string; name: string; rule: Rule }>(`SELECT key, name, rule FROM segments WHERE workspace_id = $1 AND deleted_at IS NULL`, [tx.workspaceId]);
  return rows.filter((r) => readsTarget(references(r.rule), target, { kind: 'segment', key: r.key })).map((r) => ({ kind: 'segment', key: r.key, name: r.name }));
}
