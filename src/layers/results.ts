// Writing a layer model's results: one row per customer with its scores and cell, and the cell tags (kind "model")
// that segments and journeys read. Replaces the previous run's results in one transaction.
import type { TenantTx } from '../kernel/tenant.ts';

export interface CellTag {
  key: string;
  name: string;
  description: string;
}

export async function ensureModelTags(tx: TenantTx, tags: CellTag[], group: string, tier: 'behavior' | 'predicted' = 'behavior'): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const t of tags) {
    const { rows } = await tx.query<{ id: number }>(`SELECT id FROM tags WHERE key = $1 AND deleted_at IS NULL`, [t.key]);
    if (rows[0]) {
      ids.set(t.key, rows[0].id);
      continue;
    }
    const created = await tx.query<{ id: number }>(
      `INSERT INTO tags (workspace_id, key, name, tier, group_name, kind, owner, description) VALUES ($1,$2,$3,$4,$5,'model','system',$6) RETURNING id`,
      [tx.workspaceId, t.key, t.name, tier, group, t.description],
    );
    await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, name, description, changed_by) VALUES ($1,$2,1,$3,$4,'system')`, [tx.workspaceId, created.rows[0].id, t.name, t.description]);
    ids.set(t.key, created.rows[0].id);
  }
  return ids;
}

export async function replaceResults(
  tx: TenantTx,
  model: string,
  results: { id: number; cell: string; scores: Record<string, number | null> }[],
  tagIds: Map<string, number>,
  now: Date,
) {
  const ws = tx.workspaceId;
  await tx.query(`DELETE FROM layer_results WHERE workspace_id = $1 AND model = $2`, [ws, model]);
  await tx.query(`DELETE FROM customer_tags WHERE workspace_id = $1 AND source = $2`, [ws, `model:${model}`]);
  for (let i = 0; i < results.length; i += 20_000) {
    const part = results.slice(i, i + 20_000);
    await tx.query(
      `INSERT INTO layer_results (workspace_id, model, customer_id, cell, scores, computed_at)
       SELECT $1, $2, u.id, u.cell, u.scores, $6 FROM unnest($3::bigint[], $4::text[], $5::jsonb[]) AS u(id, cell, scores)`,
      [ws, model, part.map((r) => r.id), part.map((r) => r.cell), part.map((r) => JSON.stringify(r.scores)), now],
    );
    await tx.query(
      `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at)
       SELECT $1, u.tag, u.id, $2, $5 FROM unnest($3::bigint[], $4::bigint[]) AS u(id, tag) ON CONFLICT DO NOTHING`,
      [ws, `model:${model}`, part.map((r) => r.id), part.map((r) => tagIds.get(r.cell)!), now],
    );
  }
  await tx.query(
    `UPDATE tags t SET coverage = (SELECT count(*) FROM customer_tags ct WHERE ct.workspace_id = t.workspace_id AND ct.tag_id = t.id), refreshed_at = $2
      WHERE t.workspace_id = $1 AND t.id = ANY($3)`,
    [ws, now, [...tagIds.values()]],
  );
}
