// RFM: recency (days since the last order), frequency (orders) and monetary (net spend) per buyer, scored 1..N by
// quantiles or fixed cut points, and placed in the eight classic cells (重要价值 … 一般挽留) by whether each score
// is high. Orders that were fully refunded and return-only orders do not count.
import type { TenantTx } from '../kernel/tenant.ts';
import type { RfmConfig } from './config.ts';
import { RFM_CELLS } from './config.ts';
import { ensureModelTags, replaceResults } from './results.ts';

const DAY = 86_400_000;

export interface RfmRow {
  id: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
}

export async function rfmInputs(tx: TenantTx, now: Date): Promise<RfmRow[]> {
  const { rows } = await tx.query<{ id: number; last: Date; f: number; m: number }>(
    `SELECT id, last_order_at AS last, order_count AS f, total_spent AS m FROM customers
      WHERE workspace_id = $1 AND merged_into IS NULL AND order_count > 0`,
    [tx.workspaceId],
  );
  return rows.map((r) => ({ id: r.id, recencyDays: Math.floor((now.getTime() - new Date(r.last).getTime()) / DAY), frequency: Number(r.f), monetary: Number(r.m) }));
}

/** Cut points splitting sorted values into `scores` groups of (nearly) equal size. */
export function quantileCuts(values: number[], scores: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let k = 1; k < scores; k++) {
    const pos = (sorted.length - 1) * (k / scores);
    const lo = Math.floor(pos);
    cuts.push(sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo));
  }
  return cuts;
}

/** Score 1..cuts+1: how many cut points the value is above (or below, for recency where smaller is better). */
export const scoreOf = (v: number, cuts: number[], smallerIsBetter: boolean) =>
  1 + cuts.filter((c) => (smallerIsBetter ? v < c : v > c)).length;

export function scoreRfm(rows: RfmRow[], config: RfmConfig) {
  const cuts = (axis: RfmConfig['recency'], values: number[]) => (axis.method === 'fixed' ? axis.cuts! : quantileCuts(values, config.scores));
  const rCuts = cuts(config.recency, rows.map((r) => r.recencyDays));
  const fCuts = cuts(config.frequency, rows.map((r) => r.frequency));
  const mCuts = cuts(config.monetary, rows.map((r) => r.monetary));
  const results = rows.map((row) => {
    const r = scoreOf(row.recencyDays, rCuts, true);
    const f = scoreOf(row.frequency, fCuts, false);
    const m = scoreOf(row.monetary, mCuts, false);
    const cell = RFM_CELLS.find((c) => c.r === r >= config.highFrom && c.f === f >= config.highFrom && c.m === m >= config.highFrom)!;
    return { id: row.id, cell: cell.key, scores: { recency_days: row.recencyDays, frequency: row.frequency, monetary: row.monetary, r, f, m } };
  });
  return { results, cuts: { recency: rCuts, frequency: fCuts, monetary: mCuts } };
}

export async function computeRfm(tx: TenantTx, config: RfmConfig, now: Date) {
  const rows = await rfmInputs(tx, now);
  const { results, cuts } = scoreRfm(rows, config);
  const tagIds = await ensureModelTags(tx, RFM_CELLS.map((c) => ({ key: c.key, name: c.name, description: `RFM: ${c.advice}` })), '用户分层 · RFM');
  await replaceResults(tx, 'rfm', results, tagIds, now);
  const revenue = new Map(rows.map((r) => [r.id, r.monetary]));
  const total = rows.reduce((s, r) => s + r.monetary, 0);
  const cells = RFM_CELLS.map((c) => {
    const members = results.filter((r) => r.cell === c.key);
    const spend = members.reduce((s, r) => s + (revenue.get(r.id) ?? 0), 0);
    return { key: c.key, name: c.name, advice: c.advice, customers: members.length, revenue: spend, revenueShare: total > 0 ? spend / total : 0 };
  });
  return { buyers: rows.length, cuts, cells };
}
