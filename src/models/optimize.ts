// Nelder–Mead simplex minimisation. The models optimise over log-parameters, so positivity bounds hold by
// construction and no gradient is needed.

export interface OptimizeResult {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

export function nelderMead(f: (x: number[]) => number, start: number[], opts: { maxIterations?: number; tolerance?: number; step?: number } = {}): OptimizeResult {
  const n = start.length;
  const maxIterations = opts.maxIterations ?? 5000;
  const tol = opts.tolerance ?? 1e-10;
  const step = opts.step ?? 0.5;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))];
  let values = simplex.map(f);
  for (let iter = 0; iter < maxIterations; iter++) {
    const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
    simplex = order.map((i) => simplex[i]);
    values = order.map((i) => values[i]);
    const spread = Math.abs(values[n] - values[0]);
    const size = Math.max(...simplex.slice(1).map((p) => Math.max(...p.map((v, j) => Math.abs(v - simplex[0][j])))));
    // Converged when the simplex is small, or when the objective is flat across it to machine precision (a ridge:
    // the data do not tell those parameters apart, and any point on it is a maximum).
    const flat = spread <= 1e-13 * (Math.abs(values[0]) + 1);
    if ((spread < tol * (Math.abs(values[0]) + tol) && size < 1e-6) || (flat && iter > 50)) return { x: simplex[0], value: values[0], iterations: iter, converged: true };
    const centroid = simplex.slice(0, n).reduce((acc, p) => acc.map((v, j) => v + p[j] / n), new Array(n).fill(0));
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[n][j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < values[0]) {
      const expanded = along(-2);
      const fe = f(expanded);
      if (fe < fr) {
        simplex[n] = expanded;
        values[n] = fe;
      } else {
        simplex[n] = reflected;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]) {
      simplex[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = fr < values[n] ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, values[n])) {
        simplex[n] = contracted;
        values[n] = fc;
      } else {
        // Shrink toward the best point.
        simplex = simplex.map((p, i) => (i === 0 ? p : p.map((v, j) => simplex[0][j] + 0.5 * (v - simplex[0][j]))));
        values = simplex.map((p, i) => (i === 0 ? values[0] : f(p)));
      }
    }
  }
  const best = values.indexOf(Math.min(...values));
  return { x: simplex[best], value: values[best], iterations: maxIterations, converged: false };
}

/**
 * Bounds for parameters optimised in log space: outside [lo, hi] the objective is evaluated at the boundary plus a
 * steep quadratic penalty, so the simplex is pushed back instead of drifting to infinity (degenerate fits such as
 * a beta distribution collapsing to a point).
 */
export function bounded(f: (x: number[]) => number, lo = -12, hi = 12): (x: number[]) => number {
  return (x) => {
    let excess = 0;
    const clamped = x.map((v) => {
      const c = Math.min(hi, Math.max(lo, v));
      excess += (v - c) * (v - c);
      return c;
    });
    return f(clamped) + 1e4 * excess;
  };
}

/**
 * Maximum likelihood for a customer-base model with positive parameters over (x, t_x, T) summaries: customers with
 * the same summary contribute the same term and are weighted once; the search runs over log-parameters and
 * restarts from its optimum, since Nelder–Mead can stall on a plateau before the true minimum.
 */
export function fitPositive<C extends { x: number; tx: number; T: number }>(data: C[], start: number[], logLik: (params: number[], c: C) => number) {
  const groups = new Map<string, { c: C; n: number }>();
  for (const c of data) {
    const k = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(k);
    if (g) g.n++;
    else groups.set(k, { c, n: 1 });
  }
  const rows = [...groups.values()];
  const negLL = bounded((v: number[]) => {
    const p = v.map(Math.exp);
    let ll = 0;
    for (const { c, n } of rows) ll += n * logLik(p, c);
    return Number.isFinite(ll) ? -ll : Infinity;
  });
  let best = nelderMead(negLL, start.map(Math.log), { maxIterations: 20_000 });
  for (let i = 0; i < 3; i++) {
    const again = nelderMead(negLL, best.x, { maxIterations: 20_000, step: 0.1 });
    if (again.value >= best.value - 1e-9) break;
    best = again;
  }
  return { params: best.x.map((v) => Math.exp(Math.min(12, Math.max(-12, v)))), logLikelihood: -best.value, iterations: best.iterations, converged: best.converged };
}
