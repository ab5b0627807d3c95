// Blocking keys in the database, as keyed blind indexes (HMAC): a new record finds its candidates with one indexed
// lookup per key, and the table reveals no names, dates or phones to whoever reads it.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Pii } from '../kernel/crypto/pii.ts';
import { blockingKeys, MAX_BLOCK, valueKeys } from './blocking.ts';
import { CHECKED, limitFor, sharedLimit } from './common-values.ts';
import type { MatchField, PreparedRecord } from './record.ts';

export const keyHash = (pii: Pii, key: string) => pii.blindIndex('match-key', key);
export const valueHash = (pii: Pii, field: MatchField, value: string) => pii.blindIndex(`match-value:${field}`, value);

/** Removes values the workspace's last batch run found to be placeholders (by their blind index). */
export function dropKnownCommon(pii: Pii, r: PreparedRecord, commonHashes: Set<string>) {
  if (commonHashes.size === 0) return;
  for (const field of CHECKED) {
    const v = r.values[field];
    if (v !== undefined && commonHashes.has(valueHash(pii, field, v))) {
      delete r.values[field];
      r.excluded.push({ field, reason: 'a placeholder value found by the last batch run' });
    }
  }
}

/** Records what PII digest each profile's keys were written from, so unchanged profiles are skipped later. */
export async function markSeen(tx: TenantTx, ids: number[], digests: string[]) {
  await tx.query(
    `INSERT INTO match_state (workspace_id, customer_id, pii_digest) SELECT $1, * FROM unnest($2::bigint[], $3::text[])
     ON CONFLICT (workspace_id, customer_id) DO UPDATE SET pii_digest = EXCLUDED.pii_digest, checked_at = now()`,
    [tx.workspaceId, ids, digests],
  );
}

/** Replaces the stored keys of these records. */
export async function writeKeys(tx: TenantTx, pii: Pii, records: { id: number; keys: string[] }[]) {
  if (records.length === 0) return;
  await tx.query(`DELETE FROM match_keys WHERE workspace_id = $1 AND customer_id = ANY($2)`, [tx.workspaceId, records.map((r) => r.id)]);
  const hashes: string[] = [];
  const ids: number[] = [];
  for (const r of records) {
    for (const k of new Set(r.keys)) {
      hashes.push(keyHash(pii, k));
      ids.push(r.id);
    }
  }
  if (hashes.length === 0) return;
  await tx.query(
    `INSERT INTO match_keys (workspace_id, key_hash, customer_id) SELECT $1, * FROM unnest($2::text[], $3::bigint[]) ON CONFLICT DO NOTHING`,
    [tx.workspaceId, hashes, ids],
  );
}

/**
 * Live profiles sharing a blocking key with the record (through canonical ids, so keys of merged-away profiles lead
 * to their survivor). Keys held by more than MAX_BLOCK profiles are ignored, as in batch blocking; values held by
 * more profiles than a person plausibly has are taken out of the record (and reported) before it is scored.
 */
export async function candidateIds(tx: TenantTx, pii: Pii, r: PreparedRecord, baseSize: number): Promise<number[]> {
  const blocking = blockingKeys(r);
  const counted = valueKeys(r);
  const hashes = [...blocking, ...counted].map((k) => keyHash(pii, k));
  if (hashes.length === 0) return [];
  const { rows } = await tx.query<{ h: string; id: string; root: string }>(
    `SELECT k.h, m.customer_id AS id, c.canonical_id AS root
       FROM unnest($2::text[]) AS k(h)
       CROSS JOIN LATERAL (SELECT customer_id FROM match_keys WHERE workspace_id = $1 AND key_hash = k.h LIMIT ${MAX_BLOCK + 1}) m
       JOIN customers c ON c.workspace_id = $1 AND c.id = m.customer_id`,
    [tx.workspaceId, hashes],
  );
  // Candidates are counted by survivor. Value holders are counted both ways: by profile as in a batch run (merging
  // the holders of a placeholder must not hide how many people typed it), and by the other people (survivors) who
  // hold it, which catches a store's default before enough walk-ins have typed it to cross the batch limit.
  const holders = new Map<string, Set<number>>();
  const profiles = new Map<string, number>();
  for (const row of rows) {
    holders.set(row.h, (holders.get(row.h) ?? new Set()).add(Number(row.root)));
    profiles.set(row.h, (profiles.get(row.h) ?? 0) + 1);
  }
  counted.forEach((key, i) => {
    const field = key.split(':')[1] as MatchField;
    if (r.values[field] === undefined) return;
    const hash = hashes[blocking.length + i];
    const n = profiles.get(hash) ?? 0;
    const limit = limitFor(field, baseSize);
    const others = [...(holders.get(hash) ?? [])].filter((root) => root !== r.id).length;
    const shared = sharedLimit(field, baseSize);
    if (n > limit) {
      delete r.values[field];
      r.excluded.push({ field, reason: `value held by ${n > MAX_BLOCK ? `over ${MAX_BLOCK}` : n} profiles (more than ${limit}), treated as a placeholder` });
    } else if (others > shared) {
      delete r.values[field];
      r.excluded.push({ field, reason: `value already held by ${others} other people (more than ${shared}), not evidence of who this is` });
    }
  });
  const roots = new Set<number>();
  blocking.forEach((_, i) => {
    const ids = holders.get(hashes[i]);
    if (ids && ids.size <= MAX_BLOCK) ids.forEach((id) => roots.add(id));
  });
  roots.delete(r.id);
  return [...roots];
}

export const prepareKeys = (r: PreparedRecord) => ({ id: r.id, keys: [...blockingKeys(r), ...valueKeys(r)] });
