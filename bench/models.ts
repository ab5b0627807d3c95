// BG/NBD on CDNOW: the paper's tracking plot (weekly repeat purchases, actual vs predicted, 39 weeks of calibration
// and 39 of holdout), and fit + scoring time for 1M customers simulated from the fitted model.
import fs from 'node:fs';
import path from 'node:path';
import { dayOf, summarize, type Transaction } from '../src/models/cdnow.ts';
import { expectedPurchases, expectedPurchasesNew, fitBgNbd, pAlive, type BgNbdParams, type Rfm } from '../src/models/bgnbd.ts';
import { fitGammaGamma } from '../src/models/gammagamma.ts';
import { fitParetoNbd, paretoExpectedPurchasesNew } from '../src/models/paretonbd.ts';
import { Random } from '../src/demo/random.ts';
import { report, seconds, type Row } from './lib.ts';

const DIR = path.resolve('../shared/data/cdnow');

export async function benchModels(customers: number) {
  const tx: Transaction[] = fs.readFileSync(path.join(DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n').map((l) => {
    const [, id, date, , dollars] = l.trim().split(/\s+/);
    return { customer: id, day: dayOf(date), value: Number(dollars) };
  });
  const start = dayOf('19970101');
  const calEnd = dayOf('19970930');
  const summary = summarize(tx, calEnd);
  const t0 = performance.now();
  const fit = fitBgNbd(summary);
  const fitMs = performance.now() - t0;
  const p0 = performance.now();
  const pareto = fitParetoNbd(summary);
  const paretoMs = performance.now() - p0;

  // Actual weekly repeat purchases: every purchase day after a customer's first, by week since 1997-01-01.
  const firstDay = new Map<string, number>();
  const days = new Map<string, Set<number>>();
  for (const t of tx) {
    firstDay.set(t.customer, Math.min(firstDay.get(t.customer) ?? Infinity, t.day));
    (days.get(t.customer) ?? days.set(t.customer, new Set()).get(t.customer)!).add(t.day);
  }
  const weeks = 78;
  const actual = new Array(weeks).fill(0);
  for (const [c, set] of days) for (const d of set) if (d !== firstDay.get(c)) { const w = Math.floor((d - start) / 7); if (w < weeks) actual[w]++; }
  // Predicted: each customer's expected cumulative repeats since their first purchase, differenced by week.
  const cumulativeOf = (curve: (t: number) => number) => (t: number) => { let s = 0; for (const f of firstDay.values()) s += curve(Math.max(0, t - (f - start) / 7)); return s; };
  const cumulative = cumulativeOf((t) => expectedPurchasesNew(fit.params, t));
  const cumulativePareto = cumulativeOf((t) => paretoExpectedPurchasesNew(pareto.params, t));
  const rows: Row[] = [];
  const weekly: { week: number; actual: number; predicted: number; predictedParetoNbd: number }[] = [];
  let prev = 0;
  let prevPareto = 0;
  let cumA = 0;
  const holdout = { actual: 0, bgnbd: 0, pareto: 0 };
  for (let w = 1; w <= weeks; w++) {
    const c = cumulative(w);
    const cp = cumulativePareto(w);
    cumA += actual[w - 1];
    weekly.push({ week: w, actual: actual[w - 1], predicted: Math.round((c - prev) * 10) / 10, predictedParetoNbd: Math.round((cp - prevPareto) * 10) / 10 });
    if (w > 39) {
      holdout.actual += actual[w - 1];
      holdout.bgnbd += c - prev;
      holdout.pareto += cp - prevPareto;
    }
    if (w % 6 === 0 || w === 39 || w === 78) {
      rows.push({ week: w, period: w <= 39 ? 'calibration' : 'holdout', 'actual repeats': actual[w - 1], 'BG/NBD': Math.round((c - prev) * 10) / 10, 'Pareto/NBD': Math.round((cp - prevPareto) * 10) / 10,
        'cum actual': cumA, 'cum BG/NBD': Math.round(c), 'cum Pareto/NBD': Math.round(cp) });
    }
    prev = c;
    prevPareto = cp;
  }
  report('bgnbd-tracking', rows, {
    params: fit.params, logLikelihood: fit.logLikelihood, fitSeconds: seconds(fitMs),
    paretoNbd: { params: pareto.params, logLikelihood: pareto.logLikelihood, fitSeconds: seconds(paretoMs) },
    holdoutWeeks40to78: { actual: holdout.actual, bgnbd: Math.round(holdout.bgnbd), paretoNbd: Math.round(holdout.pareto) },
    weekly, note: 'CDNOW 1/10 sample, 2,357 customers; calibration to 1997-09-30 (week 39), holdout to 1998-06-30 (week 78)',
  });

  // Scale: simulate 1M customers from the fitted model, fit BG/NBD + Gamma–Gamma again and score everyone.
  const sim = simulate(fit.params, customers, 39);
  const s0 = performance.now();
  const refit = fitBgNbd(sim.rfm);
  const s1 = performance.now();
  const gg = fitGammaGamma(sim.rfm.filter((c) => c.x > 0).map((c, i) => ({ x: c.x, mean: sim.spend[i % sim.spend.length] })));
  const s2 = performance.now();
  let total = 0;
  for (const c of sim.rfm) total += pAlive(refit.params, c) + expectedPurchases(refit.params, c, 13);
  const s3 = performance.now();
  report('bgnbd-scale', [{
    customers, 'distinct (x,tx,T)': new Set(sim.rfm.map((c) => `${c.x}|${c.tx}|${c.T}`)).size,
    'fit BG/NBD s': seconds(s1 - s0), 'fit Gamma-Gamma s': seconds(s2 - s1), 'score P(alive)+E[13 wk] s': seconds(s3 - s2),
    'r (true 0.243)': Math.round(refit.params.r * 1000) / 1000, 'a (true 0.793)': Math.round(refit.params.a * 1000) / 1000,
  }], { checksum: total, note: 'customers simulated from the CDNOW fit with daily time resolution; fit groups identical (x, t_x, T)' });
}

function simulate(p: BgNbdParams, n: number, T: number) {
  const r = new Random(42);
  const gamma = (shape: number, scale: number): number => {
    if (shape < 1) return gamma(shape + 1, scale) * Math.pow(r.next(), 1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do { const u1 = r.next(), u2 = r.next(); x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2); v = 1 + c * x; } while (v <= 0);
      v = v * v * v;
      const u = r.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v * scale;
    }
  };
  const beta = (a: number, b: number) => { const x = gamma(a, 1); return x / (x + gamma(b, 1)); };
  const rfm: Rfm[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = gamma(p.r, 1 / p.alpha);
    const drop = beta(p.a, p.b);
    const age = Math.round(T * 7 * (0.7 + 0.3 * r.next())) / 7;
    let t = 0, x = 0, tx = 0;
    for (;;) {
      t += -Math.log(1 - r.next()) / lambda;
      if (t > age) break;
      x++;
      tx = Math.round(t * 7) / 7;
      if (r.next() < drop) break;
    }
    rfm.push({ x, tx, T: age });
  }
  return { rfm, spend: Array.from({ length: 1000 }, () => 10 + 40 * r.next()) };
}
