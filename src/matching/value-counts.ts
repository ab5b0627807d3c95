// Value frequencies in the database for real-time matching: the batch run stores how many profiles held each
// common value (as keyed blind indexes), and a record arriving later reads the counts of its own values to weigh
// an agreement as the run would have.
import type { Pii } from '../kernel/crypto/pii.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { countKey, frequencyKeys, sharesOf, type TfSummary } from './frequencies.ts';
import type { PreparedRecord } from './record.ts';

const countHash = (pii: Pii, key: string) => pii.blindIndex('match-count', key);
const CHUNK = 5000;

/** Replaces the workspace's stored counts with a run's. */
export async function replaceValueCounts(tx: TenantTx, pii: Pii, counts: [string, number][]) {
  await tx.query(`DELETE FROM match_value_counts WHERE workspace_id = $1`, [tx.workspaceId]);
  for (let i = 0; i < counts.length; i += CHUNK) {
    const chunk = counts.slice(i, i + CHUNK);
    await tx.query(
      `INSERT INTO match_value_counts (workspace_id, value_hash, n) SELECT $1, * FROM unnest($2::text[], $3::int[]) ON CONFLICT DO NOTHING`,
      [tx.workspaceId, chunk.map(([key]) => countHash(pii, key)), chunk.map(([, n]) => n)],
    );
  }
}

/** Gives a record arriving in real time its value shares, counting itself among the holders. */
export async function loadShares(tx: TenantTx, pii: Pii, r: PreparedRecord, tf: TfSummary | undefined) {
  if (!tf) return;
  const list = frequencyKeys(r);
  const keys = list.map((k) => countKey(k.family, k.value));
  const hashes = keys.map((k) => countHash(pii, k));
  const { rows } = await tx.query<{ value_hash: string; n: number }>(
    `SELECT value_hash, n FROM match_value_counts WHERE workspace_id = $1 AND value_hash = ANY($2)`, [tx.workspaceId, hashes]);
  const byHash = new Map(rows.map((row) => [row.value_hash, row.n]));
  const byKey = new Map(keys.map((k, i) => [k, byHash.get(hashes[i]) ?? 1]));
  r.shares = sharesOf(list, tf, (family, value) => byKey.get(countKey(family, value)) ?? 1, 1);
}
