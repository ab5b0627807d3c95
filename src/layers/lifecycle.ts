// Lifecycle stages (获取 → 激活 → 留存 → 增长 → 流失) as rule tags: a customer is in the first stage whose rule holds.
// Being rules, stages move in real time as orders arrive and as time passes, and operators can read and edit them.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Rule } from '../segments/rules.ts';
import type { LifecycleConfig } from './config.ts';

export const lifecycleTagKey = (stage: string) => `lifecycle_${stage}`;

/** Creates or updates one rule tag per stage; each stage excludes the stages before it. */
export async function applyLifecycle(tx: TenantTx, config: LifecycleConfig, actor: string) {
  const keep = new Set<string>();
  for (const [i, stage] of config.stages.entries()) {
    const key = lifecycleTagKey(stage.key);
    keep.add(key);
    const earlier = config.stages.slice(0, i).map((s) => ({ not: { tag: lifecycleTagKey(s.key), has: true } }) as Rule);
    const rule: Rule = earlier.length ? { all: [stage.rule, ...earlier] } : stage.rule;
    const { rows } = await tx.query<{ id: number; version: number; rule: Rule }>(`SELECT id, version, rule FROM tags WHERE key = $1 AND deleted_at IS NULL`, [key]);
    if (!rows[0]) {
      const created = await tx.query<{ id: number }>(
        `INSERT INTO tags (workspace_id, key, name, tier, group_name, kind, rule, owner, description) VALUES ($1,$2,$3,'behavior','用户分层 · 生命周期','rule',$4,$5,$6) RETURNING id`,
        [tx.workspaceId, key, stage.name, JSON.stringify(rule), actor, `生命周期阶段（第 ${i + 1} 个判断）`]);
      await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,1,$3,$4,'',$5)`, [tx.workspaceId, created.rows[0].id, JSON.stringify(rule), stage.name, actor]);
    } else if (JSON.stringify(rows[0].rule) !== JSON.stringify(rule)) {
      await tx.query(`UPDATE tags SET rule = $2, name = $3, version = version + 1, updated_at = now() WHERE id = $1`, [rows[0].id, JSON.stringify(rule), stage.name]);
      await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,$3,$4,$5,'',$6)`, [tx.workspaceId, rows[0].id, rows[0].version + 1, JSON.stringify(rule), stage.name, actor]);
    }
  }
  // Stages removed from the configuration stop existing.
  const stale = await tx.query<{ id: number }>(`UPDATE tags SET deleted_at = now() WHERE key LIKE 'lifecycle\\_%' AND deleted_at IS NULL AND NOT (key = ANY($1)) RETURNING id`, [[...keep]]);
  if (stale.rows.length) await tx.query(`DELETE FROM customer_tags WHERE tag_id = ANY($1)`, [stale.rows.map((r) => r.id)]);
}
