// Reproducing the published BG/NBD and Gamma–Gamma results on the CDNOW sample (Fader, Hardie & Lee 2005;
// Fader & Hardie 2013): calibration ends 1997-09-30 (39 weeks), same-day purchases merged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dayOf, summarize, type Transaction } from './cdnow.ts';
import { expectedPurchases, expectedPurchasesNew, fitBgNbd, pAlive } from './bgnbd.ts';
import { expectedSpend, fitGammaGamma } from './gammagamma.ts';
import { hyp2f1, lgamma } from './special.ts';

const DIR = path.resolve('../shared/data/cdnow');
const CAL_END = dayOf('19970930');
const sig3 = (v: number) => Number(v.toPrecision(3));

function loadSample(): Transaction[] {
  return fs.readFileSync(path.join(DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n').map((line) => {
    const [, id, date, , dollars] = line.trim().split(/\s+/);
    return { customer: id, day: dayOf(date), value: Number(dollars) };
  });
}

describe('BG/NBD and Gamma–Gamma on CDNOW', { skip: !fs.existsSync(DIR) && 'shared data missing' }, () => {
  const summary = summarize(loadSample(), CAL_END);

  it('builds the same (x, t_x, T) as the published summary file', () => {
    const published = fs.readFileSync(path.join(DIR, 'cdnow_customers_summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    assert.equal(summary.length, 2357);
    const byId = new Map(summary.map((s) => [Number(s.customer), s]));
    for (const [id, x, tx, T] of published) {
      const s = byId.get(id)!;
      assert.equal(s.x, x, `customer ${id} x`);
      assert.ok(Math.abs(s.tx - tx) < 0.006 && Math.abs(s.T - T) < 0.006, `customer ${id}: ${s.tx}/${s.T} vs ${tx}/${T}`);
    }
  });

  it('fits r = 0.243, α = 4.41, a = 0.793, b = 2.43 with log-likelihood −9582.4', () => {
    const fit = fitBgNbd(summary);
    assert.ok(fit.converged);
    const { r, alpha, a, b } = fit.params;
    assert.deepEqual([sig3(r), sig3(alpha), sig3(a), sig3(b)], [0.243, 4.41, 0.793, 2.43]);
    assert.equal(Math.round(fit.logLikelihood * 10) / 10, -9582.4);
    // Predictions the paper reports for its example customer (x = 2, t_x = 30.43, T = 38.86): 1.226 purchases in 39 weeks.
    assert.equal(expectedPurchases(fit.params, { x: 2, tx: 30.43, T: 38.86 }, 39).toFixed(3), '1.226');
    const p = pAlive(fit.params, { x: 2, tx: 30.43, T: 38.86 });
    assert.ok(p > 0 && p < 1);
    assert.equal(pAlive(fit.params, { x: 0, tx: 0, T: 38.86 }), 1);
    assert.ok(expectedPurchasesNew(fit.params, 78) > expectedPurchasesNew(fit.params, 39));
  });

  it('fits Gamma–Gamma on the 946 repeat buyers: p = 6.25, q = 3.74, γ = 15.4', () => {
    const repeat = summary.filter((s) => s.x > 0).map((s) => ({ x: s.x, mean: s.meanRepeatValue }));
    assert.equal(repeat.length, 946);
    const fit = fitGammaGamma(repeat);
    const { p, q, gamma } = fit.params;
    assert.deepEqual([sig3(p), sig3(q), sig3(gamma)], [6.25, 3.74, 15.4]);
    // A customer with no repeats is expected to spend the population mean: p γ / (q − 1).
    assert.ok(Math.abs(expectedSpend(fit.params, { x: 0, mean: 0 }) - (p * gamma) / (q - 1)) < 1e-9);
  });

  it('has sound special functions', () => {
    assert.ok(Math.abs(lgamma(10) - Math.log(362880)) < 1e-12);
    assert.ok(Math.abs(lgamma(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-12);
    // 2F1(1, 1; 2; z) = −ln(1 − z) / z
    assert.ok(Math.abs(hyp2f1(1, 1, 2, 0.5) - -Math.log(0.5) / 0.5) < 1e-12);
  });
});
