// Segment engine at scale: audience count for a 5-condition rule over 1M customers (p50/p99), and the latency from
// an event arriving over HTTP to segment_entered being emitted.
import { startPlatform } from '../test/helpers/platform.ts';
import { percentile, report, seconds, type Row } from './lib.ts';
import type { MembershipChange } from '../src/kernel/changes.ts';
import type { Rule } from '../src/rules/rules.ts';

export async function benchSegments(opts: { customers: number; samples: number; latencySamples: number }) {
  const engineName = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
  const t = await startPlatform(engineName, { runImports: false });
  const db = t.platform.ctx.db;
  const ws = t.ws.id;
  const rows: Row[] = [];
  try {
    const load = performance.now();
    await db.query(`SELECT setval('customer_seq_${ws}', $1)`, [opts.customers]);
    await db.query(
      `INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, traits, source_channel, order_count, total_spent, first_order_at, last_order_at, first_seen_at, last_seen_at)
       SELECT $1, g, g, g % 7 = 0, jsonb_build_object('city', (ARRAY['上海','北京','广州','深圳','杭州','成都'])[1 + g % 6], 'gender', CASE WHEN g % 5 = 0 THEN 'male' ELSE 'female' END),
              (ARRAY['公众号','视频号','抖音直播','小红书','门店扫码','包裹卡','小程序','老带新'])[1 + g % 8],
              (g % 9), (g % 9) * (5000 + g % 30000), CASE WHEN g % 9 > 0 THEN now() - (g % 400) * interval '1 day' END,
              CASE WHEN g % 9 > 0 THEN now() - (g % 200) * interval '1 day' END, now() - (g % 500) * interval '1 day', now() - (g % 60) * interval '1 day'
         FROM generate_series(1, $2) g`, [ws, opts.customers]);
    await db.query(`ANALYZE customers`);
    const stage = (what: string) => process.stderr.write(`  [${seconds(performance.now() - load)} s] ${what}\n`);
    stage('customers generated');
    const headers = { authorization: `Bearer ${t.ws.secretKey}`, 'content-type': 'application/json' };
    const vip = await t.api('POST', '/v1/tags', { key: 'vip', name: 'VIP', tier: 'basic', kind: 'manual' });
    if (vip.status !== 201) throw new Error(JSON.stringify(vip.body));
    await db.query(`INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source) SELECT $1, (SELECT id FROM tags WHERE key = 'vip'), g, 'bench' FROM generate_series(1, $2, 13) g`, [ws, opts.customers]);
    stage('tag created');
    await t.platform.engine.recomputeAll(ws);
    stage('store loaded');
    const loadMs = performance.now() - load;

    const rule: Rule = { all: [
      { field: 'source_channel', op: 'in', value: ['抖音直播', '小红书', '视频号'] },
      { field: 'order_count', op: 'gte', value: 2 },
      { field: 'last_order_at', op: 'within_last_days', value: 90 },
      { field: 'traits.city', op: 'in', value: ['上海', '杭州'] },
      { not: { tag: 'vip', has: true } },
    ] };
    const inProcess: number[] = [];
    const http: number[] = [];
    let count = 0;
    for (let i = 0; i < opts.samples; i++) {
      const s = performance.now();
      count = (await t.platform.engine.preview(ws, rule, 0)).count;
      inProcess.push(performance.now() - s);
      const h = performance.now();
      const res = await fetch(`${t.url}/v1/segments/preview`, { method: 'POST', headers, body: JSON.stringify({ rule }) });
      await res.json();
      http.push(performance.now() - h);
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    rows.push({ measure: 'count, 5 conditions (engine)', customers: opts.customers, audience: count, samples: opts.samples, 'p50 ms': percentile(sorted(inProcess), 50), 'p99 ms': percentile(sorted(inProcess), 99) });
    rows.push({ measure: 'count, 5 conditions (HTTP preview)', customers: opts.customers, audience: count, samples: opts.samples, 'p50 ms': percentile(sorted(http), 50), 'p99 ms': percentile(sorted(http), 99) });

    // Event → segment_entered: a real-time segment over a computed trait; each sample is a new customer's first view.
    await t.api('POST', '/v1/traits', { key: 'views_7d', name: 'views 7d', definition: { source: 'events', event: 'Product Viewed', aggregate: 'count', windowDays: 7 } });
    stage('trait defined');
    await t.api('POST', '/v1/segments', { key: 'viewers', name: 'viewers', rule: { field: 'computed.views_7d', op: 'gte', value: 1 } });
    for (let k = 0; k < 9; k++) await t.api('POST', '/v1/segments', { key: `other_${k}`, name: `other ${k}`, rule: { all: [{ field: 'order_count', op: 'gte', value: k }, { field: 'source_channel', op: 'eq', value: '小程序' }] } });
    stage('latency setup done');
    const waiting = new Map<number, (at: number) => void>();
    t.platform.ctx.changes.onMembership((c: MembershipChange) => {
      if (c.key === 'viewers' && c.change === 'entered') waiting.get(c.customerId)?.(performance.now());
    });
    const latency: number[] = [];
    const auth = `Basic ${Buffer.from(`${t.ws.writeKey}:`).toString('base64')}`;
    for (let i = 0; i < opts.latencySamples; i++) {
      const s = performance.now();
      const res = await fetch(`${t.url}/v1/track`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ userId: `lat-${i}`, event: 'Product Viewed', messageId: `lat-${i}` }) });
      const body = await res.json();
      const id = body.results[0].customerId;
      const at = await new Promise<number>((resolve) => {
        waiting.set(id, resolve);
        setTimeout(() => resolve(NaN), 5000);
      });
      latency.push(at - s);
    }
    const ok = latency.filter((x) => !Number.isNaN(x));
    rows.push({ measure: 'event → segment_entered (HTTP track → feed)', customers: opts.customers, audience: ok.length, samples: opts.latencySamples, 'p50 ms': percentile(sorted(ok), 50), 'p99 ms': percentile(sorted(ok), 99) });
    report('segments', rows, { engine: engineName, loadSeconds: seconds(loadMs), note: 'customers generated in the database (attributes, orders facts, a manual tag on 1 in 13); counts answered from the in-memory columnar store; latency with 10 real-time segments and one windowed trait defined' });
  } finally {
    await t.close();
  }
}
