// CLV end to end: the CDNOW sample sent through the orders API, the model fitted through the API on the orders as of
// 1997-09-30, the published parameters recovered, predictions usable in segments and shown in the customer 360.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';

const SAMPLE = path.resolve('../shared/data/cdnow/CDNOW_sample.txt');
const sig3 = (v: number) => Number(v.toPrecision(3));

describe('CLV model through the product', { skip: !fs.existsSync(SAMPLE) && 'shared data missing' }, () => {
  let t: TestPlatform;
  const clock = new ManualClock(new Date('1997-01-15T00:00:00Z'));
  before(async () => {
    t = await startPlatform('pglite', { clock });
  });
  after(async () => t.close());

  it('refuses to fit on too little data and keeps no model active', async () => {
    const res = await t.api('POST', '/v1/models/clv/fit', {});
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'insufficient_data');
    assert.match(res.body.message, /too little data/);
  });

  it('recovers the published BG/NBD and Gamma–Gamma parameters from orders sent through the API', async () => {
    const lines = fs.readFileSync(SAMPLE, 'utf8').trim().split('\n');
    const orders = lines.map((l, i) => {
      const [, id, d, , dollars] = l.trim().split(/\s+/);
      return { order_id: `cd-${i}`, customer: { user_id: id }, amount: Math.round(Number(dollars) * 100), currency: 'USD', placed_at: `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z` };
    });
    for (let i = 0; i < orders.length; i += 1000) {
      const res = await t.track('/v1/orders/batch', { orders: orders.slice(i, i + 1000) });
      assert.equal(res.status, 200);
      assert.ok(res.body.results.every((r: any) => r.status === 'stored'), JSON.stringify(res.body.results.find((r: any) => r.status !== 'stored')));
    }
    clock.set(new Date('1997-09-30T00:00:00Z'));
    const fit = await t.api('POST', '/v1/models/clv/fit', { horizonMonths: 12, annualDiscount: 0.1 });
    assert.equal(fit.status, 200, JSON.stringify(fit.body));
    assert.equal(fit.body.status, 'active');
    const { bgnbd, gammaGamma } = fit.body.params;
    assert.deepEqual([sig3(bgnbd.r), sig3(bgnbd.alpha), sig3(bgnbd.a), sig3(bgnbd.b)], [0.243, 4.41, 0.793, 2.43]);
    assert.equal(Math.round(fit.body.diagnostics.bgnbd.logLikelihood * 10) / 10, -9582.4);
    assert.equal(fit.body.diagnostics.repeatBuyers, 946);
    // Held out: fitted to 1997-07-01, the model's 13-week forecast against what those customers then bought.
    const held = fit.body.diagnostics.backtest;
    assert.equal(held.holdoutWeeks, 13);
    assert.equal(held.actualPurchases, 711);
    assert.ok(Math.abs(held.predictedPurchases - 711) / 711 < 0.05, `predicted ${held.predictedPurchases}`);
    assert.ok(held.mae < held.maeNaive, `model MAE ${held.mae} vs naive ${held.maeNaive}`);
    assert.ok(held.churn.precision > 0.8 && held.churn.recall > 0.9, JSON.stringify(held.churn));
    // The Pareto/NBD challenger fitted on the same buyers: the published CDNOW figures too.
    const pareto = fit.body.diagnostics.paretoNbd;
    assert.deepEqual([sig3(pareto.params.r), sig3(pareto.params.alpha), sig3(pareto.params.s), sig3(pareto.params.beta)], [0.553, 10.6, 0.606, 11.7]);
    // Tracking check over the 39 calibration weeks: the model's total is close to the actual total.
    const tracking = fit.body.diagnostics.tracking as { actual: number; predicted: number }[];
    assert.equal(tracking.length, 39);
    const actual = tracking.reduce((s, p) => s + p.actual, 0);
    const predicted = tracking.reduce((s, p) => s + p.predicted, 0);
    assert.equal(actual, 2457);
    assert.ok(Math.abs(predicted - actual) / actual < 0.05, `predicted ${predicted} vs actual ${actual}`);
    // Money is in cents here, so γ is 100 × the paper's dollars figure.
    assert.deepEqual([sig3(gammaGamma.p), sig3(gammaGamma.q), sig3(gammaGamma.gamma / 100)], [6.25, 3.74, 15.4]);

    const versions = (await t.api('GET', '/v1/models/clv')).body.versions;
    assert.deepEqual(versions.map((v: any) => v.status), ['active', 'insufficient_data']);
  });

  it('writes predictions no NaN can reach, predicted tags, segment fields and the 360 view', async () => {
    const nan = await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM predictions WHERE p_alive = 'NaN' OR clv = 'NaN' OR expected_90d = 'NaN' OR p_alive IS NULL OR clv IS NULL`);
    assert.equal(nan.rows[0].n, 0);
    const high = (await t.api('GET', '/v1/tags/pred_high_value')).body;
    assert.equal(high.tier, 'predicted');
    assert.equal(high.coverage, Math.ceil(2357 * 0.2));
    const seg = await t.api('POST', '/v1/segments/preview', { rule: { all: [{ field: 'prediction.p_alive', op: 'lt', value: 0.3 }, { field: 'order_count', op: 'gte', value: 2 }] } });
    assert.equal(seg.status, 200, JSON.stringify(seg.body));
    assert.equal(seg.body.count, (await t.api('GET', '/v1/tags/pred_churn_risk')).body.coverage);
    // Crossing into high churn risk is an event journeys can use; each crossing once per model version.
    const highRisk = await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM predictions WHERE churn_level = 'high'`);
    const events = await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events WHERE event = 'churn_risk_high'`);
    assert.ok(highRisk.rows[0].n > 100);
    assert.equal(events.rows[0].n, highRisk.rows[0].n);
    const again = await t.api('POST', '/v1/models/clv/fit', {});
    assert.equal(again.body.crossedIntoHighChurnRisk, 0, 'no new crossings when nothing changed');
    const c = (await t.api('GET', '/v1/customers?q=1')).body.customers[0];
    const view = (await t.api('GET', `/v1/customers/${c.id}`)).body;
    assert.ok(view.predictions.p_alive > 0 && view.predictions.p_alive <= 1);
    assert.ok(view.predictions.clv > 0);
    assert.ok(['high', 'medium', 'low'].includes(view.predictions.churn_level));
    assert.ok(view.predictions.value_score >= 0 && view.predictions.value_score <= 100);
    assert.equal(view.predictions.value_factors.length, 3, 'the value score explains itself');
    const vs = await t.api('POST', '/v1/segments/preview', { rule: { field: 'prediction.value_score', op: 'gte', value: 80 } });
    assert.ok(vs.body.count > 0 && vs.body.count < 2357);
  });

  it('refits on a schedule: once a day, not more', async () => {
    clock.set(new Date('1997-10-01T12:00:00Z'));
    const before = (await t.api('GET', '/v1/models/clv')).body.versions.length;
    assert.deepEqual(await t.platform.models.runDue(), [t.ws.id], 'the last fit is more than a day old');
    assert.deepEqual(await t.platform.models.runDue(), [], 'fitted less than a day ago');
    clock.advance(25 * 3600_000);
    assert.deepEqual(await t.platform.models.runDue(), [t.ws.id]);
    const versions = (await t.api('GET', '/v1/models/clv')).body.versions;
    assert.equal(versions.length, before + 2);
    assert.equal(versions.filter((v: any) => v.status === 'active').length, 1);
  });
});
