// BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): repeat purchases follow a Poisson
// process with gamma(r, α) heterogeneous rates while a customer is alive; after each purchase the customer drops
// out with probability p ~ beta(a, b). Fitted by maximum likelihood on (x, t_x, T) per customer.
import { hyp2f1, lbeta, lgamma, logSumExp } from './special.ts';
import { fitPositive } from './optimize.ts';

export interface Rfm {
  /** repeat purchases in the calibration period */
  x: number;
  /** time of the last purchase, from the first */
  tx: number;
  /** length of observation, from the first purchase */
  T: number;
}

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface Fit<P> {
  params: P;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** Log-likelihood of one customer (eq. 6 of the paper, in log space). */
export function bgnbdLogLik({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  const A1 = lgamma(r + x) - lgamma(r) + r * Math.log(alpha);
  const A2 = lbeta(a, b + x) - lbeta(a, b);
  const A3 = -(r + x) * Math.log(alpha + T);
  const A4 = x > 0 ? Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx) : -Infinity;
  return A1 + A2 + logSumExp(A3, A4);
}

export function fitBgNbd(data: Rfm[], start: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 }): Fit<BgNbdParams> {
  const fit = fitPositive(data, [start.r, start.alpha, start.a, start.b], ([r, alpha, a, b], c) => bgnbdLogLik({ r, alpha, a, b }, c));
  const [r, alpha, a, b] = fit.params;
  return { ...fit, params: { r, alpha, a, b } };
}

/** Probability the customer is still alive at T. */
export function pAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  if (x === 0) return 1;
  const logRatio = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/** Expected repeat purchases in the next t periods given the customer's history (eq. 10). */
export function expectedPurchases({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm, t: number): number {
  if (t <= 0) return 0;
  const hyp = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const numerator = ((a + b + x - 1) / (a - 1)) * (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp);
  const denominator = x > 0 ? 1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x) : 1;
  return numerator / denominator;
}

/** Expected repeat purchases in (0, t] for a customer just acquired (eq. 9): the cohort tracking curve. */
export function expectedPurchasesNew({ r, alpha, a, b }: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
}
