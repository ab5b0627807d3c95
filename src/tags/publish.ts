// The one way anything defines a tag or changes who carries it. Every capability that tags customers (rule tags from
// the engine, layer and prediction models, journeys, imports, funnels, operators) calls these, so versions, sources
// and coverage stay true whoever writes. A membership's `source` says who put it there ('rule', 'model:rfm',
// 'journey:12', 'operator:op_…', an import): each writer only ever removes what its own source added.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Rule } from '../rules/rules.ts';

export const TAG_TIERS = ['basic', 'behavior', 'predicted'] as const;
export const TAG_KINDS = ['manual', 'imported', 'rule', 'model'] as const;

export interface TagDefinition {
  key: string;
  name: string;
  tier: (typeof TAG_TIERS)[number];
  group: string;
  kind: (typeof TAG_KINDS)[number];
  owner: string;
  description: string;
  rule?: Rule | null;
}

const CHUNK = 20_000;
const json = (rule: Rule | null | undefined) => (rule ? JSON.stringify(rule) : null);

/** Creates a tag with its first version; answers its id. */
export async function createTag(tx: TenantTx, def: TagDefinition, changedBy: string): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO tags (workspace_id, key, name, tier, group_name, kind, rule, owner, description) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
    [tx.workspaceId, def.key, def.name, def.tier, def.group, def.kind, json(def.rule), def.owner, def.description]);
  const id = Number(rows[0].id);
  await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,1,$3,$4,$5,$6)`,
    [tx.workspaceId, id, json(def.rule), def.name, def.description, changedBy]);
  return id;
}

/** A new version of a tag's name, description, group and (rule tags) rule; `rule` absent keeps the current one. */
export async function updateTag(
  tx: TenantTx, tag: { id: number; version: number; rule: Rule | null },
  change: { name: string; description: string; group?: string; rule?: Rule }, changedBy: string,
): Promise<number> {
  const version = tag.version + 1;
  await tx.query(`UPDATE tags SET name = $2, description = $3, group_name = COALESCE($4, group_name), rule = COALESCE($5, rule), version = $6, updated_at = now() WHERE id = $1`,
    [tag.id, change.name, change.description, change.group ?? null, json(change.rule), version]);
  await tx.query(`INSERT INTO tag_versions (workspace_id, tag_id, version, rule, name, description, changed_by) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [tx.workspaceId, tag.id, version, json(change.rule ?? tag.rule), change.name, change.description, changedBy]);
  return version;
}

/** Deletes tags: nobody carries them any more (their history stays). */
export async function retireTags(tx: TenantTx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(`UPDATE tags SET deleted_at = now() WHERE workspace_id = $1 AND id = ANY($2::bigint[]) AND deleted_at IS NULL`, [tx.workspaceId, ids]);
  await tx.query(`DELETE FROM customer_tags WHERE workspace_id = $1 AND tag_id = ANY($2::bigint[])`, [tx.workspaceId, ids]);
}

/** Tags customers (already tagged ones keep their original source and time); answers how many were newly tagged. */
export async function tagCustomers(tx: TenantTx, tagId: number, customerIds: readonly number[], source: string, at?: Date): Promise<number> {
  let changed = 0;
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    changed += (await tx.query(
      `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at) SELECT $1, $2, unnest($3::bigint[]), $4, COALESCE($5, now()) ON CONFLICT DO NOTHING`,
      [tx.workspaceId, tagId, customerIds.slice(i, i + CHUNK), source, at ?? null])).rowCount;
  }
  return changed;
}

/** Untags customers; with `source`, only memberships that source added. Answers how many were untagged. */
export async function untagCustomers(tx: TenantTx, tagId: number, customerIds: readonly number[], source?: string): Promise<number> {
  let changed = 0;
  for (let i = 0; i < customerIds.length; i += CHUNK) {
    changed += (await tx.query(
      `DELETE FROM customer_tags WHERE workspace_id = $1 AND tag_id = $2 AND customer_id = ANY($3::bigint[]) AND ($4::text IS NULL OR source = $4)`,
      [tx.workspaceId, tagId, customerIds.slice(i, i + CHUNK), source ?? null])).rowCount;
  }
  return changed;
}

/** Tags and untags by tag key (journeys name tags by key); unknown or deleted tags are skipped. */
export async function tagByKey(tx: TenantTx, add: readonly { tag: string; customerId: number; source: string }[], remove: readonly { tag: string; customerId: number }[], at: Date): Promise<void> {
  if (add.length) {
    await tx.query(
      `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at)
       SELECT $1, t.id, u.c, u.s, $2 FROM unnest($3::text[], $4::bigint[], $5::text[]) AS u(k, c, s) JOIN tags t ON t.workspace_id = $1 AND t.key = u.k AND t.deleted_at IS NULL
       ON CONFLICT DO NOTHING`, [tx.workspaceId, at, add.map((t) => t.tag), add.map((t) => t.customerId), add.map((t) => t.source)]);
  }
  if (remove.length) {
    await tx.query(
      `DELETE FROM customer_tags ct USING unnest($2::text[], $3::bigint[]) AS u(k, c), tags t
        WHERE ct.workspace_id = $1 AND t.workspace_id = $1 AND t.key = u.k AND ct.tag_id = t.id AND ct.customer_id = u.c`,
      [tx.workspaceId, remove.map((t) => t.tag), remove.map((t) => t.customerId)]);
  }
}

/** Moves memberships written by one source: `gone` and `added` are [customer, tag] pairs (a model's cells changing). */
export async function moveMemberships(tx: TenantTx, source: string, gone: readonly [number, number][], added: readonly [number, number][], at: Date): Promise<void> {
  for (let i = 0; i < gone.length; i += CHUNK) {
    const part = gone.slice(i, i + CHUNK);
    await tx.query(
      `DELETE FROM customer_tags ct USING unnest($2::bigint[], $3::bigint[]) AS u(id, tag)
        WHERE ct.workspace_id = $1 AND ct.tag_id = u.tag AND ct.customer_id = u.id AND ct.source = $4`,
      [tx.workspaceId, part.map((g) => g[0]), part.map((g) => g[1]), source]);
  }
  for (let i = 0; i < added.length; i += CHUNK) {
    const part = added.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at)
       SELECT $1, u.tag, u.id, $2, $5 FROM unnest($3::bigint[], $4::bigint[]) AS u(id, tag) ON CONFLICT DO NOTHING`,
      [tx.workspaceId, source, part.map((a) => a[0]), part.map((a) => a[1]), at]);
  }
}

/** Drops every membership a source wrote (a model about to write its new answer). */
export async function clearSource(tx: TenantTx, source: string): Promise<void> {
  await tx.query(`DELETE FROM customer_tags WHERE workspace_id = $1 AND source = $2`, [tx.workspaceId, source]);
}

/** Records how many customers carry each tag, as the writer counted them. */
export async function setCoverage(tx: TenantTx, counts: ReadonlyMap<number, number>, at: Date): Promise<void> {
  if (counts.size === 0) return;
  await tx.query(`UPDATE tags t SET coverage = u.n, refreshed_at = $2 FROM unnest($3::bigint[], $4::int[]) AS u(id, n) WHERE t.workspace_id = $1 AND t.id = u.id`,
    [tx.workspaceId, at, [...counts.keys()], [...counts.values()]]);
}

/** Counts a tag's carriers again (after an operator's or an import's changes). */
export async function recountCoverage(tx: TenantTx, tagId: number): Promise<void> {
  await tx.query(`UPDATE tags SET coverage = (SELECT count(*) FROM customer_tags WHERE workspace_id = $1 AND tag_id = $2), refreshed_at = now() WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, tagId]);
}
