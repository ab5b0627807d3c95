// Pareto/NBD on the CDNOW sample must reproduce the published fit (Fader & Hardie's notes and the BTYD package:
// r = 0.553, α = 10.58, s = 0.606, β = 11.67, log-likelihood −9594.98) and agree with BG/NBD where both are sound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dayOf, summarize } from './cdnow.ts';
import { fitParetoNbd, paretoExpectedPurchases, paretoNbdLogLik, paretoPAlive } from './paretonbd.ts';
import { hyp2f1, lgamma, logSumExp } from './special.ts';

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

  it('integrates the death term to the closed form of Fader & Hardie (hypergeometric, both branches), and stays fast where that form stalls', () => {
    // The note's eq. (19)/(20), written here as the reference: A0 from 2F1 series on whichever of α, β is larger.
    const closedForm = ({ r, alpha, s, beta }: { r: number; alpha: number; s: number; beta: number }, { x, tx, T }: { x: number; tx: number; T: number }) => {
      const rsx = r + s + x;
      const [big, second] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
      const term = (t: number) => Math.log(hyp2f1(rsx, second, rsx + 1, Math.abs(alpha - beta) / (big + t))) - rsx * Math.log(big + t);
      const a0 = term(tx) + Math.log1p(-Math.exp(term(T) - term(tx)));
      const head = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
      return head + logSumExp(-(r + x) * Math.log(alpha + T) - s * Math.log(beta + T), Math.log(s / rsx) + a0);
    };
    for (const params of [{ r: 0.55, alpha: 10.58, s: 0.61, beta: 11.67 }, { r: 0.55, alpha: 20, s: 0.61, beta: 5 }, { r: 1.2, alpha: 3, s: 2.5, beta: 30 }]) {
      for (const c of [{ x: 0, tx: 0, T: 38 }, { x: 2, tx: 30.43, T: 38.86 }, { x: 7, tx: 12, T: 52 }]) {
        const a = paretoNbdLogLik(params, c);
        const b = closedForm(params, c);
        assert.ok(Math.abs(a - b) < 1e-9 * Math.abs(b), `${JSON.stringify(params)} ${JSON.stringify(c)}: ${a} vs ${b}`);
      }
    }
    // A base with almost no dropout drives s and β to thousands, where the series would need ~10⁵ terms per
    // customer; the quadrature still gives a finite log-likelihood.
    const v = paretoNbdLogLik({ r: 0.77, alpha: 9.6, s: 7212, beta: 162_754 }, { x: 3, tx: 20, T: 60 });
    assert.ok(Number.isFinite(v) && v < 0, String(v));
  });
});
