// Weekly reports on a controllable clock: ten steady weeks of orders from two channels, then a week in which one
// channel collapses. The report flags GMV and orders as anomalies, says which channel did it in a sentence, and
// stays quiet on steady metrics; it is stored with an HTML page and an SVG image. A pure test of the anomaly
// maths covers seasonality: a 双11-like spike that happened last year too is expected, not flagged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import { expectation, mainDriver } from '../src/analytics/anomaly.ts';

const DAY = 86_400_000;
// Monday 2026-08-31 00:00 in Shanghai; ten weeks of history start ten weeks earlier.
const WEEK0 = Date.parse('2026-08-30T16:00:00Z');

describe('automatic reports', () => {
  let t: TestPlatform;
  const clock = new ManualClock(new Date(WEEK0 + 7 * DAY + 2 * DAY)); // Wednesday of the week after

  before(async () => {
    t = await startPlatform('pglite', { clock, runImports: false });
    const orders: object[] = [];
    let n = 0;
    for (const [source, people] of [['抖音直播', 30], ['小红书', 30]] as const) {
      for (let p = 0; p < people; p++) {
        await t.track('/v1/identify', { userId: `${source}-${p}`, messageId: `id-${source}-${p}`, timestamp: new Date(WEEK0 - 80 * DAY).toISOString(), traits: { source_channel: source } });
      }
      for (let w = -10; w <= 0; w++) {
        // Steady: 12 orders a week per channel; in the last week 抖音直播 sells only 2.
        const count = w === 0 && source === '抖音直播' ? 2 : 12;
        for (let k = 0; k < count; k++) {
          orders.push({ order_id: `R-${++n}`, customer: { user_id: `${source}-${(k * 7 + w + 10) % people}` }, amount: 10000 + (k % 3) * 100,
            placed_at: new Date(WEEK0 + w * 7 * DAY + (k % 6) * DAY + 3600_000).toISOString() });
        }
      }
    }
    for (let i = 0; i < orders.length; i += 200) assert.equal((await t.track('/v1/orders/batch', { orders: orders.slice(i, i + 200) })).status, 200);
  });
  after(async () => t?.close());

  it('flags the collapse in a sentence naming the channel, and keeps steady metrics quiet', async () => {
    const r = await t.api('POST', '/v1/analytics/reports', { period: 'week' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.startsOn, '2026-08-31');
    assert.equal(r.body.endsOn, '2026-09-07');
    const gmv = r.body.metrics.find((m: any) => m.key === 'gmv');
    assert.equal(gmv.value, 14 * 10000 + 1200 + 100); // 12 + 2 orders this week
    assert.ok(gmv.anomaly, JSON.stringify(gmv));
    assert.equal(gmv.driver.key, '抖音直播');
    assert.match(gmv.sentence.zh, /^本周成交额 GMV ¥1,413，较过去8周中位数下降 4\d\.\d%，主要来自抖音直播/);
    assert.match(gmv.sentence.en, /mostly from 抖音直播/);
    const orders = r.body.metrics.find((m: any) => m.key === 'orders');
    assert.ok(orders.anomaly);
    const aov = r.body.metrics.find((m: any) => m.key === 'aov');
    assert.equal(aov.anomaly, false, 'the average order stays as it was');
    assert.ok(r.body.anomalies.length >= 2);

    const list = (await t.api('GET', '/v1/analytics/reports')).body.reports;
    assert.equal(list.length, 1);
    const page = await fetch(`${t.url}/v1/analytics/reports/${r.body.id}/page`, { headers: { authorization: `Bearer ${t.ws.secretKey}` } });
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await page.text(), /主要来自抖音直播/);
    const svg = await fetch(`${t.url}/v1/analytics/reports/${r.body.id}/image.svg`, { headers: { authorization: `Bearer ${t.ws.secretKey}` } });
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(svg.headers.get('content-disposition') ?? '', /attachment; filename="siyu-week-report-2026-08-31.svg"/);
    assert.match(await svg.text(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*主要来自抖音直播[\s\S]*<\/svg>$/);
  });

  it('expects a spike that comes every year, and flags one that does not', () => {
    const steady = [100, 104, 98, 101, 99, 103, 97, 100];
    // Last year this week was 3× its previous weeks (双11): this year's 3× is expected.
    const seasonal = expectation(305, steady, { before: [50, 52, 49, 51, 50, 48, 52, 50], same: 150 }, 1);
    assert.equal(seasonal.seasonal, true);
    assert.equal(seasonal.anomaly, false, JSON.stringify(seasonal));
    const unexpected = expectation(305, steady, null, 1);
    assert.equal(unexpected.anomaly, true);
    assert.equal(expectation(102, steady, null, 1).anomaly, false);
    assert.equal(expectation(50, [1, 2], null, 1).anomaly, false, 'too little history says nothing');
    // A drop in a rate is driven by the big group whose rate fell, not the tiny one that fell further.
    const driver = mainDriver('ratio', [{ key: 'big', value: 0.1, n: 900 }, { key: 'tiny', value: 0, n: 10 }], new Map([['big', 0.2], ['tiny', 0.5]]), -1);
    assert.equal(driver?.key, 'big');
  });
});
