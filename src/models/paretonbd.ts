// Pareto/NBD (Schmittlein, Morrison & Colombo 1987), in the form of Fader & Hardie's note "A Note on Deriving the
// Pareto/NBD Model and Related Expressions" (2005): purchases follow a Poisson process with gamma(r, α) rates while
// the customer is alive, and lifetimes are exponential with gamma(s, β) dropout rates — unlike BG/NBD, a customer
// can leave at any moment, not only right after a purchase. Fitted by maximum likelihood on (x, t_x, T).
import type { Fit, Rfm } from './bgnbd.ts';
import { lgamma, logSumExp } from './special.ts';
import { fitPositive } from './optimize.ts';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

// Gauss–Legendre nodes and weights on [-1, 1], 16 points.
const GL_X = [-0.9894009349916499, -0.9445750230732326, -0.8656312023878318, -0.7554044083550030, -0.6178762444026438, -0.4580167776572274, -0.2816035507792589, -0.0950125098376374,
  0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438, 0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499];
const GL_W = [0.0271524594117541, 0.0622535239386479, 0.0951585116824928, 0.1246289712555339, 0.1495959888165767, 0.1691565193950025, 0.1826034150449236, 0.1894506104550685,
  0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767, 0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541];

/**
 * ln ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ: the chance of having died between the last purchase and T, before
 * the population constants. The note writes it with Gauss hypergeometric functions, whose series crawls (and at
 * large s practically stalls) when α and β are far apart; the integrand itself is smooth and log-convex, so
 * composite Gauss–Legendre quadrature with panels sized to its decay is exact to double precision and always fast.
 */
function logDeathIntegral({ r, alpha, s, beta }: ParetoNbdParams, { x, tx, T }: Rfm): number {
  if (!(T > tx)) return -Infinity;
  const logF = (tau: number) => -(r + x) * Math.log(alpha + tau) - (s + 1) * Math.log(beta + tau);
  const decay = (r + x) / (alpha + tx) + (s + 1) / (beta + tx);
  const panels = Math.min(64, Math.max(1, Math.ceil((decay * (T - tx)) / 4)));
  const width = (T - tx) / panels;
  const top = logF(tx); // the integrand decreases: its largest value is at t_x
  let sum = 0;
  for (let k = 0; k < panels; k++) {
    const mid = tx + (k + 0.5) * width;
    for (let i = 0; i < 16; i++) sum += GL_W[i] * Math.exp(logF(mid + (GL_X[i] * width) / 2) - top);
  }
  return top + Math.log((sum * width) / 2);
}

/** Log-likelihood of one customer: alive through T, or died at some τ in (t_x, T] (the note's eq. 18, integrated). */
export function paretoNbdLogLik(p: ParetoNbdParams, c: Rfm): number {
  const { r, alpha, s, beta } = p;
  const { x, T } = c;
  const head = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const aliveAtT = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const diedBefore = Math.log(s) + logDeathIntegral(p, c);
  return head + logSumExp(aliveAtT, diedBefore);
}

export function fitParetoNbd(data: Rfm[], start: ParetoNbdParams = { r: 1, alpha: 1, s: 1, beta: 1 }): Fit<ParetoNbdParams> {
  const fit = fitPositive(data, [start.r, start.alpha, start.s, start.beta], ([r, alpha, s, beta], c) => paretoNbdLogLik({ r, alpha, s, beta }, c));
  const [r, alpha, s, beta] = fit.params;
  return { ...fit, params: { r, alpha, s, beta } };
}

/** P(alive at T | x, t_x, T) (the note's eq. 21): the alive term's share of the likelihood. */
export function paretoPAlive(p: ParetoNbdParams, c: Rfm): number {
  const aliveAtT = -(p.r + c.x) * Math.log(p.alpha + c.T) - p.s * Math.log(p.beta + c.T);
  const diedBefore = Math.log(p.s) + logDeathIntegral(p, c);
  return 1 / (1 + Math.exp(diedBefore - aliveAtT));
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
