// Analytics on the demo brand, on both storage engines: metrics equal independent SQL over the operational tables
// before and after the Parquet snapshot (and count rows that arrived since), the 公域 → 加微 → 首单 → 复购 funnel works
// out of the box and exports a step as a segment, retention, paths, attribution with ROI, pinned dashboards, bad
// requests named by field, a query past its time limit stopped, and another workspace seeing nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { loadDemo } from '../src/demo/load.ts';
import { createWorkspace } from '../src/access/workspaces.ts';
import { openContext } from '../src/server.ts';
import { snapshotWorkspace } from '../src/analytics/snapshots.ts';
import { keyRingForTests } from '../src/kernel/crypto/keyring.ts';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`analytics (${engine})`, () => {
    let t: TestPlatform;
    let from: string;
    let to: string;

    before(async () => {
      t = await startPlatform(engine, { runImports: false });
      await loadDemo(t.platform.ctx, { customers: 300, seed: 11, workspaceId: t.ws.id });
      const now = t.platform.ctx.clock.now().getTime();
      from = new Date(now - 365 * DAY).toISOString();
      to = new Date(now + DAY).toISOString();
    });
    after(async () => t?.close());

    const pg = async <T = any>(sql: string, params: unknown[] = []) => (await t.platform.ctx.db.query<T>(sql, [t.ws.id, ...params])).rows[0];
    const metric = async (body: object) => {
      const r = await t.api('POST', '/v1/analytics/metrics/query', { from, to, interval: 'month', ...body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };
    const expectedSales = () => pg<{ gmv: number; orders: number; buyers: number }>(
      `SELECT sum(o.amount)::bigint AS gmv, count(*)::int AS orders, count(DISTINCT c.canonical_id)::int AS buyers
         FROM orders o LEFT JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
        WHERE o.workspace_id = $1 AND o.kind = 'sale' AND o.placed_at >= $2 AND o.placed_at < $3`, [from, to]);

    it('counts GMV, orders and paying customers as SQL over the tables does, before and after the snapshot, and includes rows since', async () => {
      const want = await expectedSales();
      const check = async () => {
        const [gmv, orders, paying] = [await metric({ metric: 'gmv' }), await metric({ metric: 'orders' }), await metric({ metric: 'paying_customers' })];
        assert.equal(gmv.value, Number(want.gmv));
        assert.equal(orders.value, want.orders);
        assert.equal(paying.value, want.buyers);
        assert.equal(gmv.series.reduce((s: number, p: any) => s + p.value, 0), Number(want.gmv), 'the monthly series adds up to the total');
        return gmv;
      };
      const live = await check(); // nothing in Parquet yet: all from the recent rows
      assert.equal(live.cached, false);
      assert.equal((await metric({ metric: 'gmv' })).cached, true, 'the same question with the same data is answered from the cache');
      const snap = await t.api('POST', '/v1/analytics/snapshot');
      assert.ok(snap.body.rows > 1000, JSON.stringify(snap.body));
      await check();
      // An order arriving after the snapshot counts at once, and the cached answer is not reused.
      const o = await t.track('/v1/orders', { order_id: 'AN-NEW-1', customer: { user_id: 'cam100003' }, amount: 12345, placed_at: new Date().toISOString() });
      assert.equal(o.status, 200, JSON.stringify(o.body));
      const after = await metric({ metric: 'gmv' });
      assert.equal(after.value, Number(want.gmv) + 12345);
      assert.equal(after.cached, false);
      const byChannel = await metric({ metric: 'gmv', breakdown: 'channel' });
      assert.equal(byChannel.breakdown.reduce((s: number, b: any) => s + b.value, 0), after.value);
    });

    it('counts two buyers merged after the snapshot as one, at once', async () => {
      const placed = new Date().toISOString();
      assert.equal((await t.track('/v1/orders', { order_id: 'AN-MERGE-1', customer: { phone: '13900007777' }, amount: 5000, placed_at: placed })).status, 200);
      assert.equal((await t.track('/v1/orders', { order_id: 'AN-MERGE-2', customer: { user_id: 'an-merge-user' }, amount: 6000, placed_at: placed })).status, 200);
      assert.equal((await t.api('POST', '/v1/analytics/snapshot')).status, 200);
      const before = (await metric({ metric: 'paying_customers' })).value;
      assert.equal(before, (await expectedSales()).buyers);
      const merge = await t.track('/v1/identify', { userId: 'an-merge-user', traits: { phone: '13900007777' }, messageId: 'an-merge' });
      assert.equal(merge.status, 200, JSON.stringify(merge.body));
      const after = await metric({ metric: 'paying_customers' });
      assert.equal(after.value, before - 1, 'the copy of the profiles predates the merge; the merge is read live');
      assert.equal(after.value, (await expectedSales()).buyers);
    });

    it('copies every row once when snapshot passes overlap, in this process and from another', async () => {
      for (let i = 0; i < 5; i++) {
        const o = await t.track('/v1/orders', { order_id: `AN-OVERLAP-${i}`, customer: { user_id: 'cam100004' }, amount: 1000 + i, placed_at: new Date().toISOString() });
        assert.equal(o.status, 200, JSON.stringify(o.body));
      }
      // The background writer, an operator's snapshot and (on the server) a second process, all at once.
      const other = engine === 'postgres' ? await openContext(t.platform.ctx.config, { schema: t.schema, keyRing: keyRingForTests() }) : null;
      try {
        await Promise.all([
          snapshotWorkspace(t.platform.ctx, t.ws.id, { settle: true, customers: true }),
          t.api('POST', '/v1/analytics/snapshot'),
          ...(other ? [snapshotWorkspace(other, t.ws.id, { settle: true, customers: true }), snapshotWorkspace(other, t.ws.id, { settle: true, customers: true })] : []),
        ]);
      } finally {
        await other?.db.close();
      }
      const parts = (await t.platform.ctx.db.query<{ first_id: number; last_id: number; rows: number }>(
        `SELECT first_id, last_id, rows FROM analytics_parts WHERE workspace_id = $1 AND source = 'orders' AND retired_at IS NULL ORDER BY first_id`, [t.ws.id])).rows;
      parts.slice(1).forEach((p, i) => assert.ok(Number(p.first_id) > Number(parts[i].last_id), `parts ${JSON.stringify(parts[i])} and ${JSON.stringify(p)} overlap`));
      const copied = await pg<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE workspace_id = $1 AND id <= (SELECT last_id FROM analytics_watermarks WHERE workspace_id = $1 AND source = 'orders')`);
      assert.equal(parts.reduce((s, p) => s + Number(p.rows), 0), copied.n, 'every order up to the watermark is in exactly one part');
      const customerCopies = await pg<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_parts WHERE workspace_id = $1 AND source = 'customers' AND retired_at IS NULL`);
      assert.equal(customerCopies.n, 1, 'one live copy of the customers');
      const want = await expectedSales();
      assert.equal((await metric({ metric: 'gmv' })).value, Number(want.gmv));
      assert.equal((await metric({ metric: 'orders' })).value, want.orders);
    });

    it('counts new customers by source as SQL over the profiles does', async () => {
      const body = await metric({ metric: 'new_customers', breakdown: 'source' });
      const want = await pg<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT canonical_id, min(first_seen_at) AS f, bool_or(NOT is_anonymous) AS known FROM customers WHERE workspace_id = $1 GROUP BY 1) x
          WHERE known AND f >= $2 AND f < $3`, [from, to]);
      assert.equal(body.value, want.n);
      assert.equal(body.breakdown.reduce((s: number, b: any) => s + b.value, 0), want.n);
      assert.ok(body.metric.definition.zh.length > 20, 'the definition comes with the number');
    });

    it('counts active customers, DAU and MAU in both periods as SQL over the events and orders does', async () => {
      const tz = (await pg<{ tz: string }>(`SELECT timezone AS tz FROM workspaces WHERE id = $1`)).tz;
      // Two weeks ending at the workspace's midnight before tomorrow, and the two weeks before them.
      const end = (await pg<{ t: Date }>(`SELECT (date_trunc('day', (now() + interval '1 day') AT TIME ZONE $2) AT TIME ZONE $2) AS t WHERE $1::text IS NOT NULL`, [tz])).t;
      const range = { from: new Date(new Date(end).getTime() - 14 * DAY).toISOString(), to: new Date(end).toISOString(), interval: 'day', metric: 'active_customers', compare: true };
      const body = (await t.api('POST', '/v1/analytics/metrics/query', range)).body;
      const expected = async (fromMs: number, toMs: number) => pg<{ total: number; dau: number; mau: number }>(
        `WITH a AS (SELECT c.canonical_id AS cid, e.ts FROM events e JOIN customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id
                     WHERE e.workspace_id = $1 AND e.type IN ('track', 'page', 'screen')
                    UNION ALL
                    SELECT c.canonical_id, o.placed_at FROM orders o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
                     WHERE o.workspace_id = $1 AND o.kind = 'sale'),
              d AS (SELECT DISTINCT cid, date_trunc('day', ts AT TIME ZONE $4) AS day FROM a)
         SELECT (SELECT count(DISTINCT cid) FROM d WHERE day >= $2 AT TIME ZONE $4 AND day < $3 AT TIME ZONE $4)::int AS total,
                (SELECT count(*) FROM d WHERE day >= $2 AT TIME ZONE $4 AND day < $3 AT TIME ZONE $4)::float8 / 14 AS dau,
                (SELECT count(DISTINCT cid) FROM d WHERE day >= ($3::timestamptz - interval '30 days') AT TIME ZONE $4 AND day < $3 AT TIME ZONE $4)::int AS mau`,
        [new Date(fromMs), new Date(toMs), tz]);
      const cur = await expected(Date.parse(range.from), Date.parse(range.to));
      const prev = await expected(Date.parse(range.from) - 14 * DAY, Date.parse(range.from));
      assert.ok(cur.total > 0, 'the demo brand was active in the last two weeks');
      assert.deepEqual([body.value, body.parts.mau], [cur.total, cur.mau]);
      assert.ok(Math.abs(body.parts.dau - cur.dau) < 1e-9, `DAU ${body.parts.dau} vs ${cur.dau}`);
      assert.deepEqual([body.previous, body.previousParts.mau], [prev.total, prev.mau]);
      assert.ok(Math.abs(body.previousParts.dau - prev.dau) < 1e-9);
    });

    it('answers the overview with the same numbers, current and previous, as each metric asked alone', async () => {
      const range = { from: new Date(Date.parse(to) - 90 * DAY).toISOString(), to, interval: 'week' };
      const ov = await t.api('POST', '/v1/analytics/overview', range);
      assert.equal(ov.status, 200, JSON.stringify(ov.body));
      assert.equal(ov.body.metrics.length, 9);
      for (const m of ov.body.metrics) {
        const alone = await t.api('POST', '/v1/analytics/metrics/query', { ...range, metric: m.metric.key, compare: true });
        assert.equal(alone.status, 200, JSON.stringify(alone.body));
        assert.deepEqual([m.value, m.previous, m.series], [alone.body.value, alone.body.previous, alone.body.series], m.metric.key);
      }
      assert.ok(ov.body.metrics.find((m: any) => m.metric.key === 'gmv').value > 0, 'the demo brand sold in the last 90 days');
    });

    it('runs the 公域 → 加微 → 首单 → 复购 funnel on the demo brand and exports a step as a segment', async () => {
      const funnel = {
        from, to, window: { value: 180, unit: 'day' },
        steps: [
          { event: '首页', label: '公域' }, { event: 'WeCom Contact Added', label: '加微' },
          { event: 'order_completed', label: '首单', where: [{ property: 'order_index', op: 'eq', value: 1 }] },
          { event: 'order_completed', label: '复购', where: [{ property: 'order_index', op: 'gte', value: 2 }] },
        ],
      };
      const r = await t.api('POST', '/v1/analytics/funnels', { ...funnel, breakdown: { kind: 'source' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const counts = r.body.steps.map((s: any) => s.customers);
      assert.ok(counts[0] > 100 && counts.every((c: number, i: number) => i === 0 || c <= counts[i - 1]) && counts[3] > 0, JSON.stringify(counts));
      assert.equal(r.body.steps[1].dropOff, counts[0] - counts[1]);
      assert.ok(r.body.steps[2].medianSeconds > 0);
      assert.equal(r.body.breakdown.reduce((s: number, b: any) => s + b.steps[0].customers, 0), counts[0], 'the breakdown adds up');
      const exported = await t.api('POST', '/v1/analytics/funnels/segment', { funnel, step: 4, key: 'funnel_repeaters', name: '漏斗复购客户' });
      assert.equal(exported.status, 201, JSON.stringify(exported.body));
      assert.equal(exported.body.customers, counts[3]);
      const seg = (await t.api('GET', '/v1/segments/funnel_repeaters')).body;
      assert.equal(seg.size, counts[3]);
    });

    it('filters metrics by a segment or a tag and breaks a funnel down by a segment', async () => {
      // The segment (and its tag) exported from the funnel above: customers who bought again.
      const members = `SELECT m.customer_id FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id WHERE s.workspace_id = $1 AND s.key = 'funnel_repeaters'`;
      const want = await pg<{ orders: number }>(
        `SELECT count(*)::int AS orders FROM orders o JOIN customers c ON c.workspace_id = o.workspace_id AND c.id = o.customer_id
          WHERE o.workspace_id = $1 AND o.kind = 'sale' AND o.placed_at >= $2 AND o.placed_at < $3 AND c.canonical_id IN (${members})`, [from, to]);
      assert.ok(want.orders > 0);
      assert.equal((await metric({ metric: 'orders', filters: { segment: 'funnel_repeaters' } })).value, want.orders);
      assert.equal((await metric({ metric: 'orders', filters: { tag: 'funnel_funnel_repeaters' } })).value, want.orders);
      const split = await t.api('POST', '/v1/analytics/funnels', {
        from, to, window: { value: 180, unit: 'day' }, breakdown: { kind: 'segment', segment: 'funnel_repeaters' },
        steps: [{ event: 'order_completed', where: [{ property: 'order_index', op: 'eq', value: 1 }] }, { event: 'order_completed', where: [{ property: 'order_index', op: 'gte', value: 2 }] }],
      });
      assert.equal(split.status, 200, JSON.stringify(split.body));
      const inSegment = split.body.breakdown.find((b: any) => b.key === 'funnel_repeaters');
      const outside = split.body.breakdown.find((b: any) => b.key === '非 funnel_repeaters');
      assert.equal(inSegment.steps[0].customers + outside.steps[0].customers, split.body.steps[0].customers, 'the breakdown adds up');
      const size = (await t.api('GET', '/v1/segments/funnel_repeaters')).body.size;
      assert.ok(inSegment.steps[0].customers > 0 && inSegment.steps[0].customers <= size, `${inSegment.steps[0].customers} first buyers of ${size} members`);
    });

    it('builds cohorts with retention and LTV, common paths, and attribution with ROI', async () => {
      const ret = await t.api('POST', '/v1/analytics/retention', { from, to, cohort: 'first_order', returnOn: { kind: 'order' }, period: 'month', periods: 6 });
      assert.equal(ret.status, 200, JSON.stringify(ret.body));
      for (const c of ret.body.cohorts) {
        assert.equal(c.rate[0], 1, 'everyone is in their own first month');
        const ltv = c.ltv.filter((x: number | null) => x !== null);
        assert.ok(ltv.every((v: number, i: number) => i === 0 || v >= ltv[i - 1]), 'LTV only grows');
      }
      assert.equal(ret.body.curve[0].rate, 1);

      const paths = await t.api('POST', '/v1/analytics/paths', { from, to, anchor: { event: 'Signed Up' }, depth: 3 });
      assert.equal(paths.status, 200, JSON.stringify(paths.body));
      assert.ok(paths.body.paths.length > 0 && paths.body.paths.every((p: any) => p.customers <= paths.body.customers));
      assert.ok(paths.body.sankey.links.length > 0);

      await t.api('PUT', '/v1/analytics/costs', { costs: [{ kind: 'channel', key: '抖音直播', month: new Date().toISOString().slice(0, 7), amount: 100_000 }] });
      const attr = await t.api('POST', '/v1/analytics/attribution', { from, to, windowDays: 30, model: 'last_touch' });
      assert.equal(attr.status, 200, JSON.stringify(attr.body));
      const net = await pg<{ net: number }>(`SELECT sum(amount - refunded_amount)::bigint AS net FROM orders WHERE workspace_id = $1 AND kind = 'sale' AND placed_at >= $2 AND placed_at < $3`, [from, to]);
      assert.equal(attr.body.revenue, Number(net.net), 'every order is credited once (or to none)');
      const douyin = attr.body.rows.find((r: any) => r.kind === 'channel' && r.key === '抖音直播');
      assert.ok(douyin && douyin.cost === 100_000 && Math.abs(douyin.roi - (douyin.revenue - 100_000) / 100_000) < 1e-9, JSON.stringify(douyin));
      const first = await t.api('POST', '/v1/analytics/attribution', { from, to, windowDays: 30, model: 'first_touch' });
      assert.equal(first.body.revenue, attr.body.revenue);
    });

    it('keeps pinned charts on my dashboard and answers them fresh', async () => {
      const d = await t.api('POST', '/v1/dashboards', { name: '我的看板' });
      assert.equal(d.status, 201);
      const pin = await t.api('POST', `/v1/dashboards/${d.body.id}/charts`, { kind: 'metric', title: '近一年 GMV', lastDays: 365, request: { metric: 'gmv', interval: 'month', filters: {} } });
      assert.equal(pin.status, 201, JSON.stringify(pin.body));
      const view = (await t.api('GET', `/v1/dashboards/${d.body.id}`)).body;
      assert.equal(view.charts.length, 1);
      assert.ok(view.charts[0].result.value > 0);
      assert.equal((await t.api('GET', '/v1/dashboards')).body.dashboards[0].charts, 1);
    });

    it('refuses bad requests naming the field, and another workspace sees none of this data', async () => {
      const bad = async (path: string, body: object, field: string, message: RegExp) => {
        const r = await t.api('POST', path, body);
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.error.problems[0].field, field, JSON.stringify(r.body));
        assert.match(r.body.error.problems[0].message, message);
      };
      const steps = [{ event: 'Product Viewed' }, { event: 'order_completed' }];
      await bad('/v1/analytics/funnels', { from, to, steps: [] }, 'body.steps', /at least two steps/);
      await bad('/v1/analytics/funnels', { from, to, steps, window: { value: 0 } }, 'body.window.value', /more than zero/);
      await bad('/v1/analytics/funnels', { from, to, steps, window: { value: 400, unit: 'day' } }, 'window', /at most 180 days/);
      await bad('/v1/analytics/funnels', { from: to, to: from, steps }, 'to', /after from/);
      await bad('/v1/analytics/funnels', { from, to, steps: [{ event: 'Product Viewed', where: [{ property: 'colour', op: 'eq', value: 'red' }] }, steps[1]] }, 'steps.0.where.0.property', /no "Product Viewed" event has a property "colour"/);
      await bad('/v1/analytics/metrics/query', { from, to, metric: 'gmv', filters: { segment: 'nope' } }, 'filters.segment', /unknown segment/);

      const other = await createWorkspace(t.platform.ctx.db, 'Other brand');
      const r = await t.api('POST', '/v1/analytics/metrics/query', { from, to, metric: 'gmv' }, { authorization: `Bearer ${other.secretKey}` });
      assert.equal(r.status, 200);
      assert.equal(r.body.value, null, 'nothing of the first workspace');
    });
  });
}

describe('analytics time limit', () => {
  it('stops a query that runs too long and says why', async () => {
    const t = await startPlatform('pglite', { runImports: false, config: { analyticsTimeoutMs: 1 } });
    try {
      await loadDemo(t.platform.ctx, { customers: 200, seed: 3, workspaceId: t.ws.id });
      const r = await t.api('POST', '/v1/analytics/funnels', { from: '2024-06-01', to: '2027-01-01', steps: [{ event: 'Product Viewed' }, { event: 'Product Added' }, { event: 'order_completed' }] });
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'query_too_long');
      assert.match(r.body.error.message, /narrow the date range/);
    } finally {
      await t.close();
    }
  });
});
