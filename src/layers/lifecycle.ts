// Lifecycle stages (获取 → 激活 → 留存 → 增长 → 流失) as rule tags: a customer is in the first stage whose rule holds.
// Being rules, stages move in real time as orders arrive and as time passes, and operators can read and edit them.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Rule } from '../rules/rules.ts';
import type { LifecycleConfig } from './config.ts';
import { createTag, retireTags, updateTag } from '../tags/publish.ts';

export const lifecycleTagKey = (stage: string) => `lifecycle_${stage}`;

/** Creates or updates one rule tag per stage; each stage excludes the stages before it. */
export async function applyLifecycle(tx: TenantTx, config: LifecycleConfig, actor: string) {
  const keep = new Set<string>();
  for (const [i, stage] of config.stages.entries()) {
    const key = lifecycleTagKey(stage.key);
    keep.add(key);
    const earlier = config.stages.slice(0, i).map((s) => ({ not: { tag: lifecycleTagKey(s.key), has: true } }) as Rule);
    const rule: Rule = earlier.length ? { all: [stage.rule, ...earlier] } : stage.rule;
    const { rows } = await tx.query<{ id: number; version: number; rule: Rule; description: string }>(`SELECT id, version, rule, description FROM tags WHERE key = $1 AND deleted_at IS NULL`, [key]);
    const description = `生命周期阶段（第 ${i + 1} 个判断）`;
    if (!rows[0]) {
      await createTag(tx, { key, name: stage.name, tier: 'behavior', group: '用户分层 · 生命周期', kind: 'rule', rule, owner: actor, description }, actor);
    } else if (JSON.stringify(rows[0].rule) !== JSON.stringify(rule)) {
      await updateTag(tx, rows[0], { name: stage.name, description: rows[0].description, rule }, actor);
    }
  }
  // Stages removed from the configuration stop existing.
  const stale = await tx.query<{ id: number }>(`SELECT id FROM tags WHERE key LIKE 'lifecycle\\_%' AND deleted_at IS NULL AND NOT (key = ANY($1))`, [[...keep]]);
  await retireTags(tx, stale.rows.map((r) => Number(r.id)));
}
