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

const COLUMNS = `id, pii, traits`;

/** Live (not merged away) profiles with any PII, in id order after `afterId`. */
export async function loadProfilePage(tx: TenantTx, afterId: number, limit: number): Promise<ProfileRow[]> {
  const { rows } = await tx.query<ProfileRow>(
    `SELECT ${COLUMNS} FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND pii <> '{}' AND id > $2 ORDER BY id LIMIT $3`,
    [tx.workspaceId, afterId, limit],
  );
  return rows;
}

export async function loadProfiles(tx: TenantTx, ids: number[]): Promise<ProfileRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await tx.query<ProfileRow>(
    `SELECT ${COLUMNS} FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND id = ANY($2)`,
    [tx.workspaceId, ids],
  );
  return rows;
}
