// Acting on a scored pair: merge it through the identity graph (recorded with its per-field evidence, undoable
// through the usual unmerge), queue it for review, or record an operator's rejection so it is never proposed again.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, notFound } from '../kernel/errors.ts';
import { mergeCustomers } from '../identity/merge.ts';
import type { FieldEvidence } from './scorer.ts';
import { rootsOf } from '../identity/roots.ts';

export interface PairScore {
  a: number;
  b: number;
  probability: number;
  weight: number;
  pattern: number;
  /** Evidence per field, as the scorer explained the pair. */
  fields?: FieldEvidence[];
}

export interface PairEvidence {
  kind: 'probabilistic';
  probability: number;
  weight: number;
  fields: FieldEvidence[];
  source: string;
  runId?: number;
}

export function describePair(pair: PairScore, source: string, runId?: number): PairEvidence {
  return { kind: 'probabilistic', probability: round(pair.probability, 6), weight: round(pair.weight, 2), fields: pair.fields ?? [], source, runId };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Current survivors of two profiles, or null when they are already one or an operator split/rejected them. */
async function mergeablePair(tx: TenantTx, a: number, b: number): Promise<[number, number] | null> {
  const roots = await rootsOf(tx, [a, b]);
  const ra = roots.get(a);
  const rb = roots.get(b);
  if (!ra || !rb || ra === rb) return null;
  const blocked = await tx.query(
    `SELECT 1 FROM merge_blocks mb
       JOIN customers x ON x.workspace_id = $1 AND x.id = mb.customer_a
       JOIN customers y ON y.workspace_id = $1 AND y.id = mb.customer_b
      WHERE mb.workspace_id = $1 AND ((x.canonical_id = $2 AND y.canonical_id = $3) OR (x.canonical_id = $3 AND y.canonical_id = $2)) LIMIT 1`,
    [tx.workspaceId, ra, rb],
  );
  return blocked.rows.length ? null : [Math.min(ra, rb), Math.max(ra, rb)];
}

/** Merges the pair (older profile survives); returns the merge id, or null when there was nothing to merge. */
export async function mergePair(tx: TenantTx, evidence: PairEvidence, a: number, b: number, actor: string): Promise<{ mergeId: number; winner: number; loser: number } | null> {
  const pair = await mergeablePair(tx, a, b);
  if (!pair) return null;
  const [winner, loser] = pair;
  const reason = `probabilistic match (${evidence.source}): P(same person) = ${evidence.probability.toFixed(4)}, ${evidence.weight.toFixed(1)} bits of evidence`;
  const mergeId = await mergeCustomers(tx, winner, loser, reason, { ...evidence }, actor);
  return { mergeId, winner, loser };
}

/** Queues grey-zone pairs for people to decide; pairs already queued, decided or split apart are left alone. */
export async function queueReviews(tx: TenantTx, items: { pair: PairScore; evidence: PairEvidence; reason: string; source: string; runId?: number }[]) {
  if (items.length === 0) return 0;
  const ordered = items.map((i) => ({ ...i, a: Math.min(i.pair.a, i.pair.b), b: Math.max(i.pair.a, i.pair.b) }));
  const { rowCount } = await tx.query(
    `INSERT INTO match_reviews (workspace_id, customer_a, customer_b, probability, weight, evidence, reason, source, run_id)
     SELECT $1, u.* FROM unnest($2::bigint[], $3::bigint[], $4::float8[], $5::float8[], $6::jsonb[], $7::text[], $8::text[], $9::bigint[])
              AS u(a, b, p, w, e, r, s, run)
      WHERE NOT EXISTS (SELECT 1 FROM merge_blocks mb WHERE mb.workspace_id = $1 AND mb.customer_a = u.a AND mb.customer_b = u.b)
     ON CONFLICT (workspace_id, customer_a, customer_b) DO NOTHING`,
    [tx.workspaceId, ordered.map((i) => i.a), ordered.map((i) => i.b), ordered.map((i) => i.pair.probability), ordered.map((i) => i.pair.weight),
     ordered.map((i) => JSON.stringify(i.evidence)), ordered.map((i) => i.reason), ordered.map((i) => i.source), ordered.map((i) => i.runId ?? null)],
  );
  return rowCount ?? 0;
}

/** An operator's decision on a review item. Rejections also block the pair in the deterministic resolver. */
export async function decideReview(tx: TenantTx, reviewId: number, decision: 'merge' | 'reject', actor: string) {
  const { rows } = await tx.query<{ customer_a: string; customer_b: string; status: string; evidence: PairEvidence }>(
    `SELECT customer_a, customer_b, status, evidence FROM match_reviews WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
    [tx.workspaceId, reviewId],
  );
  const review = rows[0];
  if (!review) throw notFound(`review ${reviewId}`);
  if (review.status !== 'pending') throw new AppError(409, 'already_decided', `review ${reviewId} is already ${review.status}`);
  const [a, b] = [Number(review.customer_a), Number(review.customer_b)];
  if (decision === 'reject') {
    await tx.query(`INSERT INTO merge_blocks (workspace_id, customer_a, customer_b) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [tx.workspaceId, a, b]);
    await tx.query(`UPDATE match_reviews SET status = 'rejected', decided_by = $3, decided_at = now() WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, reviewId, actor]);
    return { status: 'rejected' as const, customers: [a, b] };
  }
  const merged = await mergePair(tx, { ...review.evidence, source: 'review' }, a, b, actor);
  const status = merged ? 'merged' : 'obsolete';
  await tx.query(
    `UPDATE match_reviews SET status = $3, decided_by = $4, decided_at = now(), merge_id = $5 WHERE workspace_id = $1 AND id = $2`,
    [tx.workspaceId, reviewId, status, actor, merged?.mergeId ?? null],
  );
  return { status, mergeId: merged?.mergeId, customers: merged ? [merged.winner, merged.loser] : [a, b] };
}
