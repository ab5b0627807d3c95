// Churn warning (流失预警): combines BG/NBD's P(alive) with the customer's activity trend — purchases in the last
// period against their own baseline rate — into a risk score and a level. Only repeat buyers have a baseline.
import { pAlive, type BgNbdParams, type Rfm } from './bgnbd.ts';

export interface ChurnInput extends Rfm {
  /** purchases in the last `periodWeeks` before the scoring date */
  recentPurchases: number;
}

export interface ChurnSettings {
  periodWeeks: number;
  /** activity down at least this much vs baseline counts as a drop (30%) */
  dropShare: number;
  highFrom: number;
  mediumFrom: number;
}
export const DEFAULT_CHURN: ChurnSettings = { periodWeeks: 13, dropShare: 0.3, highFrom: 0.7, mediumFrom: 0.5 };

export function churnRisk(params: BgNbdParams, c: ChurnInput, s: ChurnSettings = DEFAULT_CHURN) {
  const alive = pAlive(params, c);
  // Probability of no purchase in the next period: dropped out, or alive but the gamma–Poisson rate (posterior
  // gamma(r + x, α + T)) yields nothing in that time.
  const quiet = Math.pow((params.alpha + c.T) / (params.alpha + c.T + s.periodWeeks), params.r + c.x);
  const noPurchase = 1 - alive + alive * quiet;
  // Baseline: the customer's purchase rate over their life so far (first purchase included), per period.
  const baseline = c.T > 0 ? ((c.x + 1) / c.T) * s.periodWeeks : 0;
  const drop = baseline > 0 ? Math.max(0, 1 - c.recentPurchases / baseline) : 0;
  const dropped = c.x > 0 && drop >= s.dropShare;
  const risk = noPurchase;
  const level = risk >= s.highFrom || (dropped && risk >= s.mediumFrom) ? 'high' : risk >= s.mediumFrom ? 'medium' : 'low';
  return { risk, level: level as 'high' | 'medium' | 'low', pAlive: alive, activityDrop: drop, dropped };
}
