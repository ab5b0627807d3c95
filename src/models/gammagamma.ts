// Gamma–Gamma spend model (Fader & Hardie 2013): a customer's transaction values are gamma(p, ν) with ν ~ gamma(q, γ)
// across customers. Fitted on repeat buyers' mean repeat transaction value; gives the expected average spend.
import { lgamma } from './special.ts';
import { bounded, nelderMead } from './optimize.ts';
import type { Fit } from './bgnbd.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface Spend {
  /** repeat transactions (x > 0) */
  x: number;
  /** mean value of those transactions */
  mean: number;
}

export function gammaGammaLogLik({ p, q, gamma }: GammaGammaParams, { x, mean }: Spend): number {
  return lgamma(p * x + q) - lgamma(p * x) - lgamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(mean) + p * x * Math.log(x) - (p * x + q) * Math.log(gamma + mean * x);
}

export function fitGammaGamma(data: Spend[], start: GammaGammaParams = { p: 1, q: 1, gamma: 1 }): Fit<GammaGammaParams> {
  const rows = data.filter((d) => d.x > 0 && d.mean > 0);
  const negLL = bounded((v: number[]) => {
    const params = { p: Math.exp(v[0]), q: Math.exp(v[1]), gamma: Math.exp(v[2]) };
    let ll = 0;
    for (const d of rows) ll += gammaGammaLogLik(params, d);
    return Number.isFinite(ll) ? -ll : Infinity;
  });
  let best = nelderMead(negLL, [start.p, start.q, start.gamma].map(Math.log), { maxIterations: 20_000 });
  for (let i = 0; i < 3; i++) {
    const again = nelderMead(negLL, best.x, { maxIterations: 20_000, step: 0.1 });
    if (again.value >= best.value - 1e-9) break;
    best = again;
  }
  const [p, q, gamma] = best.x.map((v) => Math.exp(Math.min(12, Math.max(-12, v))));
  return { params: { p, q, gamma }, logLikelihood: -best.value, iterations: best.iterations, converged: best.converged };
}

/** Expected mean transaction value for a customer with x repeat transactions averaging `mean`. */
export function expectedSpend({ p, q, gamma }: GammaGammaParams, { x, mean }: Spend): number {
  return ((gamma + mean * x) * p) / (p * x + q - 1);
}
