// Merging and unmerging profiles. A merge never rewrites history: the loser keeps its rows and identities and points
// at the winner (merged_into), every member's canonical_id is the surviving root, and the merge row records the
// reason, the evidence and which fields the winner borrowed, so unmerge can put both profiles back as they were.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, notFound } from '../kernel/errors.ts';
import { recomputeStats } from './stats.ts';

export interface MergeEvidence {
  /** Identifiers that linked the two profiles, masked. */
  links?: { type: string; value: string }[];
  [k: string]: unknown;
}

interface ProfileRow {
  id: number;
  pii: Record<string, string>;
  pii_masked: Record<string, string>;
  name_bidx: string | null;
  traits: Record<string, unknown>;
  source_channel: string | null;
  source: unknown;
  is_anonymous: boolean;
  first_seen_at: Date;
  last_seen_at: Date;
}

export async function mergeCustomers(
  tx: TenantTx,
  winner: number,
  loser: number,
  reason: string,
  evidence: MergeEvidence,
  actor = 'system',
): Promise<number> {
  const ws = tx.workspaceId;
  const { rows } = await tx.query<ProfileRow>(
    `SELECT id, pii, pii_masked, name_bidx, traits, source_channel, source, is_anonymous, first_seen_at, last_seen_at
       FROM customers WHERE workspace_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`,
    [ws, [winner, loser]],
  );
  const w = rows.find((r) => r.id === winner);
  const l = rows.find((r) => r.id === loser);
  if (!w || !l) throw notFound(`customer ${!w ? winner : loser}`);

  // The winner keeps its own values; it only borrows what it lacks. Remember exactly what was borrowed.
  const borrowedPii = Object.keys(l.pii).filter((k) => !(k in w.pii));
  const borrowedTraits = Object.keys(l.traits).filter((k) => !(k in w.traits));
  const borrowSource = w.source_channel === null && l.source_channel !== null;
  const pick = <T>(obj: Record<string, T>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, obj[k]]));

  await tx.query(`UPDATE customers SET canonical_id = $2 WHERE workspace_id = $1 AND canonical_id = $3`, [ws, winner, loser]);
  await tx.query(`UPDATE customers SET merged_into = $2, updated_at = now() WHERE workspace_id = $1 AND id = $3`, [ws, winner, loser]);
  await tx.query(
    `UPDATE customers SET pii = pii || $3, pii_masked = pii_masked || $4, traits = traits || $5,
            name_bidx = COALESCE(name_bidx, $6),
            source_channel = CASE WHEN $7 THEN $8 ELSE source_channel END,
            source = CASE WHEN $7 THEN $9::jsonb ELSE source END,
            first_seen_at = LEAST(first_seen_at, $10), last_seen_at = GREATEST(last_seen_at, $11),
            is_anonymous = is_anonymous AND $12, updated_at = now()
      WHERE workspace_id = $1 AND id = $2`,
    [ws, winner, pick(l.pii, borrowedPii), pick(l.pii_masked, borrowedPii), pick(l.traits, borrowedTraits),
     borrowedPii.includes('name') ? l.name_bidx : null, borrowSource, l.source_channel, JSON.stringify(l.source ?? null),
     l.first_seen_at, l.last_seen_at, l.is_anonymous],
  );
  const before = { first_seen_at: w.first_seen_at, last_seen_at: w.last_seen_at, is_anonymous: w.is_anonymous };
  const { rows: merged } = await tx.query<{ id: number }>(
    `INSERT INTO merges (workspace_id, winner_id, loser_id, reason, evidence, actor) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
    [ws, winner, loser, reason, { ...evidence, borrowed: { pii: borrowedPii, traits: borrowedTraits, source: borrowSource }, winner_before: before }, actor],
  );
  await recomputeStats(tx, [winner]);
  return merged[0].id;
}

/**
 * `keepApart` (the default) also blocks the pair from being merged automatically again: an operator who splits two
 * profiles has said they are different people. Undoing a whole matching run passes false unless asked: it takes
 * back what the run decided, and the next run decides again.
 */
export async function unmergeCustomers(
  tx: TenantTx, mergeId: number, actor: string, reason: string, opts: { keepApart?: boolean } = {},
): Promise<{ winner: number; loser: number }> {
  const ws = tx.workspaceId;
  const { rows } = await tx.query<{ winner_id: number; loser_id: number; evidence: any; undone_at: Date | null }>(
    `SELECT winner_id, loser_id, evidence, undone_at FROM merges WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [ws, mergeId],
  );
  const m = rows[0];
  if (!m) throw notFound(`merge ${mergeId}`);
  if (m.undone_at) throw new AppError(409, 'already_undone', `merge ${mergeId} was already undone at ${m.undone_at.toISOString()}`);
  const { winner_id: winner, loser_id: loser } = m;

  // The loser and everything merged into it (directly or through it) form their own group again.
  await tx.query(`UPDATE customers SET merged_into = NULL, updated_at = now() WHERE workspace_id = $1 AND id = $2`, [ws, loser]);
  await tx.query(
    `WITH RECURSIVE sub AS (
        SELECT id FROM customers WHERE workspace_id = $1 AND id = $2
        UNION SELECT c.id FROM customers c JOIN sub ON c.workspace_id = $1 AND c.merged_into = sub.id)
     UPDATE customers SET canonical_id = $2 WHERE workspace_id = $1 AND id IN (SELECT id FROM sub)`,
    [ws, loser],
  );
  // Give back what the winner borrowed, unless it has been changed since.
  const borrowed = m.evidence?.borrowed ?? { pii: [], traits: [], source: false };
  const before = m.evidence?.winner_before;
  await tx.query(
    `UPDATE customers w SET
        pii = w.pii - g.pii_keys, pii_masked = w.pii_masked - g.pii_keys,
        name_bidx = CASE WHEN 'name' = ANY(g.pii_keys) THEN NULL ELSE w.name_bidx END,
        traits = w.traits - (SELECT coalesce(array_agg(k), '{}') FROM unnest($4::text[]) k WHERE w.traits -> k = l.traits -> k),
        source_channel = CASE WHEN $5 THEN NULL ELSE w.source_channel END,
        source = CASE WHEN $5 THEN NULL ELSE w.source END,
        first_seen_at = COALESCE($6::timestamptz, w.first_seen_at),
        is_anonymous = COALESCE($7::boolean, w.is_anonymous), updated_at = now()
       FROM customers l,
            LATERAL (SELECT coalesce(array_agg(k), '{}') AS pii_keys FROM unnest($3::text[]) k
                      WHERE (SELECT pii -> k FROM customers WHERE workspace_id = $1 AND id = $2) = l.pii -> k) g
      WHERE w.workspace_id = $1 AND w.id = $2 AND l.workspace_id = $1 AND l.id = $8`,
    [ws, winner, borrowed.pii, borrowed.traits, borrowed.source, before?.first_seen_at ?? null, before?.is_anonymous ?? null, loser],
  );
  await tx.query(`UPDATE merges SET undone_at = now(), undone_by = $3, undo_reason = $4 WHERE workspace_id = $1 AND id = $2`, [ws, mergeId, actor, reason]);
  if (opts.keepApart ?? true) {
    await tx.query(
      `INSERT INTO merge_blocks (workspace_id, customer_a, customer_b, merge_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [ws, Math.min(winner, loser), Math.max(winner, loser), mergeId],
    );
  }
  await recomputeStats(tx, [winner, loser]);
  return { winner, loser };
}
