// Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note "A Note on Deriving the
// Pareto/NBD Model and Related Expressions" (2005): purchases follow a Poisson process with gamma(r, α) rates while
// the customer is alive, and lifetimes are exponential with gamma(s, β) dropout rates — unlike BG/NBD, a customer
// can leave at any moment, not only right after a purchase. Fitted by maximum likelihood on (x, t_x, T).
import type { Fit, Rfm } from './bgnbd.ts';
import { hyp2f1, lgamma, logSumExp } from './special.ts';
import { bounded, nelderMead } from './optimize.ts';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

/** ln(e^a − e^b) for a > b. */
const logDiffExp = (a: number, b: number) => a + Math.log1p(-Math.exp(b - a));

/**
 * ln A0 of the note's eq. (19)/(20): the part of the likelihood from the customer dying between t_x and T. The
 * hypergeometric argument is built from the larger of α and β so that it lies in [0, 1).
 */
function logA0({ r, alpha, s, beta }: ParetoNbdParams, { x, tx, T }: Rfm): number {
  const rsx = r + s + x;
  const [big, second] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
  const diff = Math.abs(alpha - beta);
  const term = (t: number) => Math.log(hyp2f1(rsx, second, rsx + 1, diff / (big + t))) - rsx * Math.log(big + t);
  return logDiffExp(term(tx), term(T));
}

/** Log-likelihood of one customer (the note's eq. 18, in log space). */
export function paretoNbdLogLik(p: ParetoNbdParams, c: Rfm): number {
  const { r, alpha, s, beta } = p;
  const { x, T } = c;
  const head = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const aliveAtT = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const diedBefore = Math.log(s / (r + s + x)) + logA0(p, c);
  return head + logSumExp(aliveAtT, diedBefore);
}

export function fitParetoNbd(data: Rfm[], start: ParetoNbdParams = { r: 1, alpha: 1, s: 1, beta: 1 }): Fit<ParetoNbdParams> {
  const groups = new Map<string, { c: Rfm; n: number }>();
  for (const c of data) {
    const k = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(k);
    if (g) g.n++;
    else groups.set(k, { c, n: 1 });
  }
  const rows = [...groups.values()];
  const negLL = bounded((v: number[]) => {
    const p = { r: Math.exp(v[0]), alpha: Math.exp(v[1]), s: Math.exp(v[2]), beta: Math.exp(v[3]) };
    let ll = 0;
    try {
      for (const { c, n } of rows) ll += n * paretoNbdLogLik(p, c);
    } catch {
      return Infinity; // a hypergeometric series that would not converge: not a point worth visiting
    }
    return Number.isFinite(ll) ? -ll : Infinity;
  });
  let best = nelderMead(negLL, [start.r, start.alpha, start.s, start.beta].map(Math.log), { maxIterations: 20_000 });
  for (let i = 0; i < 3; i++) {
    const again = nelderMead(negLL, best.x, { maxIterations: 20_000, step: 0.1 });
    if (again.value >= best.value - 1e-9) break;
    best = again;
  }
  const [r, alpha, s, beta] = best.x.map((v) => Math.exp(Math.min(12, Math.max(-12, v))));
  return { params: { r, alpha, s, beta }, logLikelihood: -best.value, iterations: best.iterations, converged: best.converged };
}

/** P(alive at T | x, t_x, T) (the note's eq. 21). */
export function paretoPAlive(p: ParetoNbdParams, c: Rfm): number {
  const { r, alpha, s, beta } = p;
  const { x, T } = c;
  const logRatio = Math.log(s / (r + s + x)) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T) + logA0(p, c);
  return 1 / (1 + Math.exp(logRatio));
}

/** Expected purchases in the next t periods (the note's eq. 22); needs s > 1 for a finite lifetime mean. */
export function paretoExpectedPurchases(p: ParetoNbdParams, c: Rfm, t: number): number {
  const { r, alpha, s, beta } = p;
  const { x, T } = c;
  if (t <= 0) return 0;
  // (1 − ((β+T)/(β+T+t))^(s−1)) / (s − 1), with its limit ln((β+T+t)/(β+T)) at s = 1.
  const ratio = (beta + T) / (beta + T + t);
  const lifetime = Math.abs(s - 1) < 1e-9 ? -Math.log(ratio) : (1 - Math.pow(ratio, s - 1)) / (s - 1);
  return (((r + x) * (beta + T)) / (alpha + T)) * lifetime * paretoPAlive(p, c);
}

/** Expected purchases in (0, t] for a customer just acquired (the note's eq. 9): the cohort tracking curve. */
export function paretoExpectedPurchasesNew({ r, alpha, s, beta }: ParetoNbdParams, t: number): number {
  if (t <= 0) return 0;
  const ratio = beta / (beta + t);
  const lifetime = Math.abs(s - 1) < 1e-9 ? -Math.log(ratio) : (1 - Math.pow(ratio, s - 1)) / (s - 1);
  return ((r * beta) / alpha) * lifetime;
}
