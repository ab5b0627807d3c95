// Churn warning on UCI Online Retail with a time split: score customers as of a cutoff from what happened before it,
// then check who bought again in the next 90 days. Compared with a recency-only rule at the same number of warnings.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { summarize, type Transaction } from '../src/models/cdnow.ts';
import { fitBgNbd } from '../src/models/bgnbd.ts';
import { churnRisk, DEFAULT_CHURN } from '../src/models/churn.ts';
import { report, type Row } from './lib.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');
const DAY = 86_400_000;

export function churnEvaluation() {
  const rows: string[][] = parse(fs.readFileSync(UCI), { from_line: 2 });
  const cutoff = Math.floor(Date.parse('2011-09-10T00:00:00Z') / DAY);
  const horizonEnd = cutoff + 90;
  const tx: Transaction[] = [];
  for (const r of rows) {
    if (!r[6] || r[0].startsWith('C') || Number(r[3]) <= 0 || Number(r[5]) < 0) continue;
    tx.push({ customer: r[6].replace(/\.0$/, ''), day: Math.floor(Date.parse(`${r[4].replace(' ', 'T')}Z`) / DAY), value: Number(r[3]) * Number(r[5]) });
  }
  const summary = summarize(tx, cutoff);
  const boughtAgain = new Set(tx.filter((t) => t.day > cutoff && t.day <= horizonEnd).map((t) => t.customer));
  const recent = new Map<string, number>();
  const recentDays = new Map<string, Set<number>>();
  for (const t of tx) if (t.day <= cutoff && t.day > cutoff - DEFAULT_CHURN.periodWeeks * 7) (recentDays.get(t.customer) ?? recentDays.set(t.customer, new Set()).get(t.customer)!).add(t.day);
  for (const [c, d] of recentDays) recent.set(c, d.size);
  const fit = fitBgNbd(summary);
  const scored = summary.map((s) => ({ s, ...churnRisk(fit.params, { ...s, recentPurchases: recent.get(s.customer) ?? 0 }), churned: !boughtAgain.has(s.customer), recencyDays: s.T * 7 - s.tx * 7 }));
  const evaluate = (name: string, flagged: (typeof scored)[number][]) => {
    const tp = flagged.filter((x) => x.churned).length;
    const positives = scored.filter((x) => x.churned).length;
    const precision = tp / flagged.length;
    const recall = tp / positives;
    return { method: name, warned: flagged.length, precision: Math.round(precision * 1000) / 1000, recall: Math.round(recall * 1000) / 1000, f1: Math.round(((2 * precision * recall) / (precision + recall)) * 1000) / 1000 };
  };
  const high = scored.filter((x) => x.level === 'high');
  const byRecency = [...scored].sort((a, b) => b.recencyDays - a.recencyDays).slice(0, high.length);
  const result: Row[] = [evaluate('churn warning (P(alive) + activity drop), level high', high), evaluate('recency only, same number of warnings', byRecency)];
  const threshold = [...scored].sort((a, b) => b.recencyDays - a.recencyDays)[high.length - 1]?.recencyDays;
  return { rows: result, customers: scored.length, churnRate: scored.filter((x) => x.churned).length / scored.length, params: fit.params, recencyThresholdDays: threshold };
}

export async function benchChurn() {
  const e = churnEvaluation();
  report('churn', e.rows, { customers: e.customers, churnRate: e.churnRate, params: e.params, recencyThresholdDays: e.recencyThresholdDays, note: 'UCI Online Retail; scored as of 2011-09-10 from earlier purchases; churned = no purchase in the next 90 days; cancellations and lines without CustomerID excluded' });
}
