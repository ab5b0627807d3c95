// RFM: recency (days since the last order), frequency (orders) and monetary (net spend) per buyer, scored 1..N by
// quantiles or fixed cut points, and placed in the eight classic cells (重要价值 … 一般挽留) by whether each score
// is high. Orders that were fully refunded and return-only orders do not count.
import type { TenantTx } from '../kernel/tenant.ts';
import type { RfmConfig } from './config.ts';
import { RFM_CELLS } from './config.ts';
import { ensureModelTags, applyCells } from './results.ts';
import type { CustomerStore } from '../segments/store.ts';

const DAY = 86_400_000;

export interface RfmRow {
  id: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
}

/** Every live buyer's recency, frequency and monetary value, read from the engine's columns. */
export function rfmInputs(store: CustomerStore, now: Date): RfmRow[] {
  const count = store.num.get('order_count')!;
  const spent = store.num.get('total_spent')!;
  const last = store.num.get('last_order_at')!;
  const rows: RfmRow[] = [];
  for (const id of store.live.ids()) {
    if (!(count[id] > 0)) continue;
    rows.push({ id, recencyDays: Math.floor((now.getTime() - last[id]) / DAY), frequency: count[id], monetary: spent[id] });
  }
  return rows;
}

/** Cut points splitting sorted values into `scores` groups of (nearly) equal size (linear interpolation). */
export function quantileCuts(values: ArrayLike<number>, scores: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const cuts: number[] = [];
  for (let k = 1; k < scores; k++) {
    const pos = (sorted.length - 1) * (k / scores);
    const lo = Math.floor(pos);
    cuts.push(sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo));
  }
  return cuts;
}

/** Score 1..cuts+1: how many cut points the value is above (or below, for recency where smaller is better). */
export function scoreOf(v: number, cuts: number[], smallerIsBetter: boolean) {
  let score = 1;
  for (const c of cuts) if (smallerIsBetter ? v < c : v > c) score++;
  return score;
}

export interface RfmCuts {
  recency: number[];
  frequency: number[];
  monetary: number[];
}

/** One customer's scores and cell against a run's cut points. */
export function scoreOne(row: RfmRow, cuts: RfmCuts, config: RfmConfig) {
  const r = scoreOf(row.recencyDays, cuts.recency, true);
  const f = scoreOf(row.frequency, cuts.frequency, false);
  const m = scoreOf(row.monetary, cuts.monetary, false);
  const cell = RFM_CELLS.find((c) => c.r === r >= config.highFrom && c.f === f >= config.highFrom && c.m === m >= config.highFrom)!;
  return { cell: cell.key, scores: { recency_days: row.recencyDays, frequency: row.frequency, monetary: row.monetary, r, f, m } };
}

export function scoreRfm(rows: RfmRow[], config: RfmConfig) {
  const axisCuts = (axis: RfmConfig['recency'], values: number[]) => (axis.method === 'fixed' ? axis.cuts! : quantileCuts(values, config.scores));
  const cuts: RfmCuts = {
    recency: axisCuts(config.recency, rows.map((r) => r.recencyDays)),
    frequency: axisCuts(config.frequency, rows.map((r) => r.frequency)),
    monetary: axisCuts(config.monetary, rows.map((r) => r.monetary)),
  };
  return { results: rows.map((row) => ({ id: row.id, cell: scoreOne(row, cuts, config).cell })), cuts };
}

export async function computeRfm(tx: TenantTx, config: RfmConfig, now: Date, rows: RfmRow[]) {
  const { results, cuts } = scoreRfm(rows, config);
  const tagIds = await ensureModelTags(tx, RFM_CELLS.map((c) => ({ key: c.key, name: c.name, description: `RFM: ${c.advice}` })), '用户分层 · RFM');
  await applyCells(tx, 'rfm', results, tagIds, now);
  const customers = new Map<string, number>();
  const spend = new Map<string, number>();
  let total = 0;
  results.forEach((r, i) => {
    customers.set(r.cell, (customers.get(r.cell) ?? 0) + 1);
    spend.set(r.cell, (spend.get(r.cell) ?? 0) + rows[i].monetary);
    total += rows[i].monetary;
  });
  const cells = RFM_CELLS.map((c) => ({
    key: c.key, name: c.name, advice: c.advice, customers: customers.get(c.key) ?? 0, revenue: spend.get(c.key) ?? 0, revenueShare: total > 0 ? (spend.get(c.key) ?? 0) / total : 0,
  }));
  return { buyers: rows.length, cuts, cells };
}
