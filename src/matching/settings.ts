// A workspace's matching settings: thresholds an admin chose, and what the last batch run learned (the model, its
// expected precision/recall per threshold, the placeholder values it found).
import type { TenantTx } from '../kernel/tenant.ts';
import type { CommonValue } from './common-values.ts';
import { DEFAULT_THRESHOLDS, type Thresholds } from './link.ts';
import { type expectedQuality, type MatchModel, MODEL_VERSION } from './model.ts';

export interface MatchSettings {
  thresholds: Thresholds;
  model: MatchModel | null;
  expected: ReturnType<typeof expectedQuality> | null;
  commonValues: CommonValue[];
  commonHashes: Set<string>;
  fittedAt: Date | null;
}

export async function loadSettings(tx: TenantTx): Promise<MatchSettings> {
  const { rows } = await tx.query<{
    auto_threshold: number; review_threshold: number; model: MatchModel | null; expected: MatchSettings['expected'];
    common_values: CommonValue[]; common_hashes: string[]; fitted_at: Date | null;
  }>(`SELECT * FROM match_settings WHERE workspace_id = $1`, [tx.workspaceId]);
  const r = rows[0];
  if (!r) return { thresholds: DEFAULT_THRESHOLDS, model: null, expected: null, commonValues: [], commonHashes: new Set(), fittedAt: null };
  return {
    thresholds: { auto: r.auto_threshold, review: r.review_threshold },
    // A model fitted by an older version weighs evidence differently: it waits for the next batch run.
    model: r.model?.version === MODEL_VERSION ? r.model : null,
    expected: r.model?.version === MODEL_VERSION ? r.expected : null,
    commonValues: r.common_values,
    commonHashes: new Set(r.common_hashes),
    fittedAt: r.fitted_at,
  };
}

export async function saveThresholds(tx: TenantTx, t: Thresholds) {
  await tx.query(
    `INSERT INTO match_settings (workspace_id, auto_threshold, review_threshold) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id) DO UPDATE SET auto_threshold = $2, review_threshold = $3, updated_at = now()`,
    [tx.workspaceId, t.auto, t.review],
  );
}

export async function saveFit(
  tx: TenantTx,
  fit: { model: MatchModel; expected: MatchSettings['expected']; commonValues: CommonValue[]; commonHashes: string[]; at: Date },
) {
  await tx.query(
    `INSERT INTO match_settings (workspace_id, model, expected, common_values, common_hashes, fitted_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (workspace_id) DO UPDATE SET model = $2, expected = $3, common_values = $4, common_hashes = $5, fitted_at = $6, updated_at = now()`,
    [tx.workspaceId, JSON.stringify(fit.model), JSON.stringify(fit.expected), JSON.stringify(fit.commonValues), fit.commonHashes, fit.at],
  );
}
