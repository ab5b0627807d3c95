// Profiles as the matcher sees them: decrypted in memory only for comparison, never written anywhere in the clear.
import type { TenantTx } from '../kernel/tenant.ts';
import type { Pii } from '../kernel/crypto/pii.ts';
import type { PersonRecord } from './record.ts';

export interface ProfileRow {
  id: number;
  pii: Record<string, string>;
  traits: Record<string, unknown>;
}

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : null);

export function toPersonRecord(pii: Pii, row: ProfileRow): PersonRecord {
  const open = (k: string) => (row.pii[k] ? pii.decrypt(row.pii[k]) : null);
  const t = row.traits ?? {};
  return {
    id: Number(row.id),
    name: open('name'),
    phone: open('phone'),
    email: open('email'),
    birthDate: open('birthday'),
    address: open('address'),
    city: text(t.city),
    region: text(t.province ?? t.region ?? t.state),
    postcode: text(t.postcode ?? t.zip ?? t.postal_code),
  };
}

export interface TrackedProfileRow extends ProfileRow {
  /** Digest of the sealed PII now, and the one the matcher last wrote keys from (null: never). */
  digest: string;
  seen: string | null;
}

const TRACKED = `SELECT c.id, c.pii, c.traits, md5(c.pii::text) AS digest, s.pii_digest AS seen
                   FROM customers c LEFT JOIN match_state s ON s.workspace_id = c.workspace_id AND s.customer_id = c.id
                  WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND c.pii <> '{}'`;

/** Live (not merged away) profiles with any PII, in id order after `afterId`. */
export async function loadProfilePage(tx: TenantTx, afterId: number, limit: number): Promise<TrackedProfileRow[]> {
  const { rows } = await tx.query<TrackedProfileRow>(`${TRACKED} AND c.id > $2 ORDER BY c.id LIMIT $3`, [tx.workspaceId, afterId, limit]);
  return rows;
}

/** Those of the given live profiles whose PII changed since the matcher last saw them. */
export async function loadChangedProfiles(tx: TenantTx, ids: number[]): Promise<TrackedProfileRow[]> {
  const { rows } = await tx.query<TrackedProfileRow>(`${TRACKED} AND c.id = ANY($2) AND s.pii_digest IS DISTINCT FROM md5(c.pii::text)`, [tx.workspaceId, ids]);
  return rows;
}

export async function loadProfiles(tx: TenantTx, ids: number[]): Promise<ProfileRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<ProfileRow>(
    `SELECT id, pii, traits FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND id = ANY($2)`,
    [tx.workspaceId, ids],
  );
  return rows;
}

/** Profiles merged into others: no longer matched, but they still tell how often a value was typed. */
export async function loadMergedAway(tx: TenantTx): Promise<ProfileRow[]> {
  const { rows } = await tx.query<ProfileRow>(
    `SELECT id, pii, traits FROM customers WHERE workspace_id = $1 AND merged_into IS NOT NULL AND pii <> '{}'`, [tx.workspaceId]);
  return rows;
}
