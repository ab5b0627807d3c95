// Pareto/NBD on the CDNOW sample must reproduce the published fit (Fader & Hardie's notes and the BTYD package:
// r = 0.553, α = 10.58, s = 0.606, β = 11.67, log-likelihood −9594.98) and agree with BG/NBD where both are sound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dayOf, summarize } from './cdnow.ts';
import { fitParetoNbd, paretoExpectedPurchases, paretoNbdLogLik, paretoPAlive } from './paretonbd.ts';

const DIR = path.resolve('../shared/data/cdnow');
const sig3 = (v: number) => Number(v.toPrecision(3));

describe('Pareto/NBD on CDNOW', { skip: !fs.existsSync(DIR) && 'shared data missing' }, () => {
  const summary = summarize(
    fs.readFileSync(path.join(DIR, 'CDNOW_sample.txt'), 'utf8').trim().split('\n').map((line) => {
      const [, id, date, , dollars] = line.trim().split(/\s+/);
      return { customer: id, day: dayOf(date), value: Number(dollars) };
    }),
    dayOf('19970930'),
  );

  it('fits r = 0.553, α = 10.6, s = 0.606, β = 11.7 with log-likelihood −9594.98', () => {
    const fit = fitParetoNbd(summary);
    assert.ok(fit.converged);
    const { r, alpha, s, beta } = fit.params;
    assert.deepEqual([sig3(r), sig3(alpha), sig3(s), sig3(beta)], [0.553, 10.6, 0.606, 11.7]);
    assert.equal(Math.round(fit.logLikelihood * 100) / 100, -9594.98);

    // The paper's example customer: alive with high probability, a little under 1.5 purchases in the next 39 weeks.
    const c = { x: 2, tx: 30.43, T: 38.86 };
    const p = paretoPAlive(fit.params, c);
    assert.ok(p > 0.8 && p < 0.95, `P(alive) ${p}`);
    const e = paretoExpectedPurchases(fit.params, c, 39);
    assert.ok(e > 1.2 && e < 1.7, `E[purchases] ${e}`);
    // Someone who bought often early and then went silent is less likely alive than someone who just bought.
    assert.ok(paretoPAlive(fit.params, { x: 5, tx: 5, T: 38 }) < paretoPAlive(fit.params, { x: 5, tx: 37, T: 38 }));
  });

  it('evaluates both branches of the hypergeometric term (α ≥ β and α < β) to the same likelihood surface', () => {
    // At α = β the two forms meet; just either side of it they must agree closely.
    const c = { x: 3, tx: 20, T: 35 };
    const below = paretoNbdLogLik({ r: 0.5, alpha: 10 - 1e-7, s: 0.6, beta: 10 }, c);
    const above = paretoNbdLogLik({ r: 0.5, alpha: 10 + 1e-7, s: 0.6, beta: 10 }, c);
    assert.ok(Math.abs(below - above) < 1e-6, `${below} vs ${above}`);
    assert.ok(Number.isFinite(paretoNbdLogLik({ r: 0.5, alpha: 2, s: 0.6, beta: 40 }, { x: 0, tx: 0, T: 30 })));
  });
});
