// Writing a layer model's results: the cell tags (kind "model") that segments and journeys read, in the
// transaction that stores the run's summary.
import type { TenantTx } from '../kernel/tenant.ts';
import { packedIds, unpackIds } from '../kernel/packed-ids.ts';

const CHUNK = 20_000;

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

/**
 * Moves customers into the cells the model just placed them in. Written as changes only: a daily refresh that
 * leaves most customers where they were writes few rows, and "tagged since" stays true. Per-customer scores are
 * not stored; they are derived from the customer's facts and the run's cut points when asked (explain.ts).
 */
export async function applyCells(tx: TenantTx, model: string, cells: { id: number; cell: string }[], tagIds: Map<string, number>, now: Date) {
  const ws = tx.workspaceId;
  const source = `model:${model}`;
  // One row per cell with its members packed: a million customers arrive as a few byte strings, not a million rows.
  // Read by the cells' tag ids (the primary key's prefix), not by source: every rule tag's members are in the same
  // table, ten times as many rows as the model's at a million customers.
  const { rows: before } = await tx.query<{ tag_id: number; ids: Uint8Array }>(
    `SELECT tag_id, ${packedIds('customer_id')} AS ids FROM customer_tags WHERE workspace_id = $1 AND tag_id = ANY($3::bigint[]) AND source = $2 GROUP BY tag_id`,
    [ws, source, [...tagIds.values()]]);
  // Customer ids are dense (one sequence per workspace), so "which cell does the model want" is an array indexed by
  // id holding the tag's id: a million lookups without a million-entry Map.
  let top = 0;
  for (const r of cells) if (r.id > top) top = r.id;
  const wanted = new Float64Array(top + 1);
  for (const r of cells) wanted[r.id] = tagIds.get(r.cell)!;
  const kept = new Uint8Array(top + 1);
  const gone: [number, number][] = [];
  for (const r of before) {
    const tag = Number(r.tag_id);
    for (const id of unpackIds(r.ids)) {
      if (id <= top && wanted[id] === tag) kept[id] = 1;
      else gone.push([id, tag]);
    }
  }
  const added = cells.filter((r) => !kept[r.id]).map((r) => [r.id, wanted[r.id]] as [number, number]);
  for (let i = 0; i < gone.length; i += CHUNK) {
    const part = gone.slice(i, i + CHUNK);
    await tx.query(
      `DELETE FROM customer_tags ct USING unnest($2::bigint[], $3::bigint[]) AS u(id, tag)
        WHERE ct.workspace_id = $1 AND ct.tag_id = u.tag AND ct.customer_id = u.id AND ct.source = $4`,
      [ws, part.map((g) => g[0]), part.map((g) => g[1]), source]);
  }
  for (let i = 0; i < added.length; i += CHUNK) {
    const part = added.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at)
       SELECT $1, u.tag, u.id, $2, $5 FROM unnest($3::bigint[], $4::bigint[]) AS u(id, tag) ON CONFLICT DO NOTHING`,
      [ws, source, part.map((a) => a[0]), part.map((a) => a[1]), now],
    );
  }
  const counts = new Map<number, number>();
  for (const r of cells) {
    const tag = wanted[r.id];
    counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  const ids = [...tagIds.values()];
  await tx.query(
    `UPDATE tags t SET coverage = u.n, refreshed_at = $2 FROM unnest($3::bigint[], $4::int[]) AS u(id, n) WHERE t.workspace_id = $1 AND t.id = u.id`,
    [ws, now, ids, ids.map((id) => counts.get(id) ?? 0)],
  );
}
