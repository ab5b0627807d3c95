// Writing a layer model's results: the cell tags (kind "model") that segments and journeys read, in the
// transaction that stores the run's summary.
import type { TenantTx } from '../kernel/tenant.ts';
import { packedIds, unpackIds } from '../kernel/packed-ids.ts';
import { createTag, moveMemberships, setCoverage } from '../tags/publish.ts';

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
    ids.set(t.key, await createTag(tx, { key: t.key, name: t.name, tier, group, kind: 'model', owner: 'system', description: t.description }, 'system'));
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
  await moveMemberships(tx, source, gone, added, now);
  const counts = new Map([...tagIds.values()].map((id) => [id, 0]));
  for (const r of cells) counts.set(wanted[r.id], (counts.get(wanted[r.id]) ?? 0) + 1);
  await setCoverage(tx, counts, now);
}
