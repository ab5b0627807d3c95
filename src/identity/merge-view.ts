// A recorded merge as the API shows it: who won, why (rules' links or the model's per-field evidence), and whether
// it was undone.

/** A row of the merges table. */
export interface MergeRow {
  id: number;
  winner_id: number;
  loser_id: number;
  reason: string;
  evidence: { links?: unknown[]; borrowed?: unknown; kind?: string; probability?: number; weight?: number; fields?: unknown; source?: string; runId?: number | null } | null;
  actor: string;
  created_at: Date | string;
  undone_at: Date | string | null;
  undone_by?: string | null;
  undo_reason?: string | null;
}

export function mergeView(m: MergeRow) {
  return {
    id: m.id,
    winnerId: m.winner_id,
    loserId: m.loser_id,
    reason: m.reason,
    links: m.evidence?.links ?? [],
    borrowed: m.evidence?.borrowed ?? null,
    // Probabilistic merges carry the model's per-field evidence (src/matching/decide.ts).
    evidence: m.evidence?.kind === 'probabilistic'
      ? { kind: 'probabilistic', probability: m.evidence.probability, weight: m.evidence.weight, fields: m.evidence.fields, source: m.evidence.source, runId: m.evidence.runId ?? null }
      : null,
    actor: m.actor,
    at: new Date(m.created_at).toISOString(),
    undoneAt: m.undone_at ? new Date(m.undone_at).toISOString() : null,
    undoneBy: m.undone_by ?? null,
    undoReason: m.undo_reason ?? null,
  };
}
