// Held-out check of the CLV models, run with every fit: the same models are fitted on the data up to a cutoff some
// weeks before now, and what they predicted for those weeks is compared with what customers then did. This is the
// accuracy an operator can trust for the live predictions, measured on the workspace's own customers.
import { summarize, type Transaction } from './cdnow.ts';
import { expectedPurchases, fitBgNbd } from './bgnbd.ts';
import { churnRisk, DEFAULT_CHURN } from './churn.ts';

const WEEK_DAYS = 7;

export interface Backtest {
  holdoutWeeks: number;
  cutoffDay: number;
  customers: number;
  /** repeat purchase days in the holdout: what happened and what the model expected */
  actualPurchases: number;
  predictedPurchases: number;
  /** mean absolute error per customer, against the naive "same rate as so far" forecast */
  mae: number;
  maeNaive: number;
  /** Pearson correlation of predicted and actual purchases per customer */
  correlation: number;
  /** churn warning (high risk) against "did not buy in the holdout" */
  churn: { warned: number; precision: number; recall: number; churned: number };
}

/** Needs about as much history before the cutoff as the holdout (to the week); returns null when data are too short. */
export function backtest(transactions: Transaction[], calibrationEndDay: number, holdoutWeeks = DEFAULT_CHURN.periodWeeks): Backtest | null {
  const cutoffDay = calibrationEndDay - holdoutWeeks * WEEK_DAYS;
  const firstDay = transactions.reduce((m, t) => Math.min(m, t.day), Infinity);
  if (!(cutoffDay - firstDay >= (holdoutWeeks - 1) * WEEK_DAYS)) return null;
  const summary = summarize(transactions, cutoffDay);
  if (summary.filter((s) => s.x > 0).length < 20) return null;
  const fit = fitBgNbd(summary);
  if (!fit.converged) return null;

  const holdoutDays = new Map<string, Set<number>>();
  const recentDays = new Map<string, Set<number>>();
  for (const t of transactions) {
    if (t.day > cutoffDay && t.day <= calibrationEndDay) (holdoutDays.get(t.customer) ?? holdoutDays.set(t.customer, new Set()).get(t.customer)!).add(t.day);
    else if (t.day > cutoffDay - holdoutWeeks * WEEK_DAYS && t.day <= cutoffDay) (recentDays.get(t.customer) ?? recentDays.set(t.customer, new Set()).get(t.customer)!).add(t.day);
  }
  let actual = 0;
  let predicted = 0;
  let absErr = 0;
  let absErrNaive = 0;
  let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  let warned = 0, warnedRight = 0, churned = 0;
  for (const s of summary) {
    const y = holdoutDays.get(s.customer)?.size ?? 0;
    const p = expectedPurchases(fit.params, s, holdoutWeeks);
    const naive = s.T > 0 ? (s.x / s.T) * holdoutWeeks : 0;
    actual += y;
    predicted += p;
    absErr += Math.abs(p - y);
    absErrNaive += Math.abs(naive - y);
    sx += p; sy += y; sxx += p * p; syy += y * y; sxy += p * y;
    const risk = churnRisk(fit.params, { ...s, recentPurchases: recentDays.get(s.customer)?.size ?? 0 });
    if (y === 0) churned++;
    if (risk.level === 'high') {
      warned++;
      if (y === 0) warnedRight++;
    }
  }
  const n = summary.length;
  const cov = sxy / n - (sx / n) * (sy / n);
  const sd = Math.sqrt(Math.max(0, sxx / n - (sx / n) ** 2)) * Math.sqrt(Math.max(0, syy / n - (sy / n) ** 2));
  const round = (v: number, d = 4) => Math.round(v * 10 ** d) / 10 ** d;
  return {
    holdoutWeeks, cutoffDay, customers: n, actualPurchases: actual, predictedPurchases: round(predicted, 1),
    mae: round(absErr / n), maeNaive: round(absErrNaive / n), correlation: sd > 0 ? round(cov / sd) : 0,
    churn: { warned, churned, precision: warned ? round(warnedRight / warned) : 0, recall: churned ? round(warnedRight / churned) : 0 },
  };
}
