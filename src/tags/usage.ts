// Where rule tags read other tags, segments or fields (this module's part of "where used", kernel/where-used.ts).
import type { TenantTx } from '../kernel/tenant.ts';
import type { Usage, UsageTarget } from '../kernel/module.ts';
import { readsTarget, references, type Rule } from '../rules/rules.ts';

export async function ruleTagsReading(tx: TenantTx, target: UsageTarget): Promise<Usage[]> {
  const { rows } = await tx.query<{ key: string; name: string; rule: Rule }>(
    `SELECT key, name, rule FROM tags WHERE workspace_id = $1 AND deleted_at IS NULL AND rule IS NOT NULL`, [tx.workspaceId]);
  return rows.filter((r) => readsTarget(references(r.rule), target, { kind: 'tag', key: r.key })).map((r) => ({ kind: 'tag', key: r.key, name: r.name }));
}
