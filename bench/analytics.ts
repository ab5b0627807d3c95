// Analytics at scale: 1M customers and 100M events (and the orders they lead to) as the Parquet snapshots the
// platform writes, generated directly with DuckDB (copying 100M rows through PostgreSQL first would take longer
// than everything measured here; the snapshot writer's own speed is measured separately). Then a 4-step funnel
// with a 7-day window, a 12 × 12 monthly retention table and the overview dashboard through the analytics service,
// each against a hand-written DuckDB query over the same files.
import fs from 'node:fs';
import path from 'node:path';
import { startPlatform, type Engine } from '../test/helpers/platform.ts';
import { withTenant, type TenantTx } from '../src/kernel/tenant.ts';
import { withDuck } from '../src/analytics/duck.ts';
import { analyticsDir, snapshotWorkspace } from '../src/analytics/snapshots.ts';
import { loadDemo } from '../src/demo/load.ts';
import { report, seconds, type Row } from './lib.ts';

const YEAR_START = Date.parse('2026-01-01T00:00:00Z');

const EVENTS_PER_FILE = 20_000_000;

export async function generate(dir: string, customers: number, events: number) {
  fs.mkdirSync(path.join(dir, 'orders'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'customers'), { recursive: true });
  await withDuck(async (d) => {
    // Customers: 2% were merged into another profile; sources as the demo brand's.
    await d.run(`COPY (SELECT g AS id, CASE WHEN g % 50 = 0 AND g > 1 THEN g - 1 ELSE g END AS canonical_id, g % 7 = 0 AS is_anonymous,
        (['公众号','视频号','抖音直播','小红书','门店扫码','包裹卡','小程序','老带新'])[1 + g % 8] AS source_channel,
        TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL ((hash(g) % 330)::BIGINT) DAY AS first_seen_at, g % 4 = 0 AS is_member
      FROM range(1, ${customers + 1}) t(g)) TO '${dir}/customers/customers-0.parquet' (FORMAT parquet, COMPRESSION zstd)`);
    // Orders: about three per buyer among 30% of customers, after their first visit.
    const orders = Math.round(customers * 0.9);
    await d.run(`COPY (SELECT g AS id, 'B' || g AS order_id, 1 + (hash(g * 7) % ${customers})::BIGINT AS customer_id, 'sale' AS kind, 'CNY' AS currency,
        5000 + (hash(g) % 50000)::BIGINT AS amount, (['天猫','小程序','门店','抖音'])[1 + g % 4] AS channel, NULL::VARCHAR AS store, NULL::VARCHAR AS country, NULL::VARCHAR AS staff,
        TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL ((hash(1 + hash(g * 7) % ${customers}) % 330)::BIGINT) DAY + INTERVAL ((hash(g * 13) % 3456000)::BIGINT) SECOND AS placed_at,
        '[]' AS items
      FROM range(1, ${orders + 1}) t(g)) TO '${dir}/orders/orders-0.parquet' (FORMAT parquet, COMPRESSION zstd)`);
  }, 6 * 3600_000);
  await generateEvents(dir, customers, events);
}

/** Events of customers 1..customers, in files of 20M: each customer's activity starts at first seen; a funnel-shaped mix of names. */
export async function generateEvents(dir: string, customers: number, events: number) {
  fs.mkdirSync(path.join(dir, 'events'), { recursive: true });
  await withDuck(async (d) => {
    for (let from = 0; from < events; from += EVENTS_PER_FILE) {
      const to = Math.min(events, from + EVENTS_PER_FILE);
      await d.run(`COPY (
        WITH e AS (SELECT g AS id, 1 + (hash(g) % ${customers})::BIGINT AS customer_id, (hash(g * 31) % 1000)::BIGINT AS r FROM range(${from + 1}, ${to + 1}) t(g))
        SELECT id, customer_id, CASE WHEN r < 50 THEN 'page' ELSE 'track' END AS type,
               CASE WHEN r < 50 THEN '首页' WHEN r < 450 THEN 'Page Viewed' WHEN r < 800 THEN 'Product Viewed' WHEN r < 930 THEN 'Product Added'
                    WHEN r < 980 THEN 'Checkout Started' WHEN r < 990 THEN 'WeCom Contact Added' ELSE 'Coupon Viewed' END AS event,
               TIMESTAMPTZ '2026-01-01 00:00:00+00' + INTERVAL ((hash(customer_id) % 330)::BIGINT) DAY + INTERVAL ((hash(id) % 3024000)::BIGINT) SECOND AS ts,
               CASE WHEN r < 50 THEN (['公众号','视频号','抖音直播','小红书'])[1 + customer_id % 4] END AS channel_code,
               '{"sku":"CAM-' || (id % 97) || '"}' AS properties
          FROM e) TO '${dir}/events/events-${String(from + 1).padStart(12, '0')}.parquet' (FORMAT parquet, COMPRESSION zstd)`);
      process.stderr.write(`\r  events ${to.toLocaleString()} / ${events.toLocaleString()}`);
    }
    process.stderr.write('\n');
  }, 6 * 3600_000);
}

/** Makes generated event files the workspace's snapshot, as if the writer had produced them. */
export async function registerEventParts(tx: TenantTx, dir: string, events: number) {
  for (const f of fs.readdirSync(path.join(dir, 'events'))) {
    const first = Number(/events-(\d+)/.exec(f)![1]);
    await tx.query(`INSERT INTO analytics_parts (workspace_id, source, file, first_id, last_id, rows, created_at) VALUES ($1, 'events', $2, $3, $4, $5, now())`,
      [tx.workspaceId, `events/${f}`, first, Math.min(events, first + EVENTS_PER_FILE - 1), Math.min(EVENTS_PER_FILE, events - first + 1)]);
  }
  await tx.query(`INSERT INTO analytics_watermarks (workspace_id, source, last_id, updated_at) VALUES ($1, 'events', $2, now())
    ON CONFLICT (workspace_id, source) DO UPDATE SET last_id = $2, updated_at = now()`, [tx.workspaceId, events]);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const s = performance.now();
  const v = await fn();
  return [v, performance.now() - s];
}

export async function benchAnalytics(opts: { customers: number; events: number; snapshotCustomers: number }) {
  const engine: Engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
  const rows: Row[] = [];
  const t = await startPlatform(engine, { runImports: false, config: { analyticsTimeoutMs: 3600_000 } });
  try {
    const ws = t.ws.id;
    const { ctx } = t.platform;
    await ctx.db.query(`UPDATE workspaces SET timezone = 'UTC' WHERE id = $1`, [ws]);
    const dir = analyticsDir(ctx, ws);
    const [, genMs] = await timed(() => generate(dir, opts.customers, opts.events));
    // The files become the workspace's snapshot, as if the writer had produced them.
    await withTenant(ctx.db, ws, async (tx) => {
      await registerEventParts(tx, dir, opts.events);
      await tx.query(`INSERT INTO analytics_parts (workspace_id, source, file, first_id, last_id, rows, created_at) VALUES ($1, 'orders', 'orders/orders-0.parquet', 1, $2, $2, now()),
        ($1, 'customers', 'customers/customers-0.parquet', 1, $3, $3, now())`, [ws, Math.round(opts.customers * 0.9), opts.customers]);
      await tx.query(`INSERT INTO analytics_watermarks (workspace_id, source, last_id, updated_at) VALUES ($1, 'orders', $2, now()), ($1, 'refunds', 0, now())`,
        [ws, Math.round(opts.customers * 0.9)]);
    });
    const files = (sub: string) => `[${fs.readdirSync(path.join(dir, sub)).map((f) => `'${path.join(dir, sub, f)}'`).join(', ')}]`;
    const range = { from: new Date(YEAR_START), to: new Date(Date.parse('2027-01-01T00:00:00Z')) };
    const analytics = t.platform.analytics;
    const raw = (sql: string) => withDuck((d) => d.all(sql), 3600_000);
    const common = `cust AS (SELECT id, canonical_id FROM read_parquet(${files('customers')})),
      act AS (SELECT c.canonical_id AS cid, e.ts, e.event FROM read_parquet(${files('events')}) e JOIN cust c ON c.id = e.customer_id WHERE e.type IN ('track','page','screen')
              UNION ALL SELECT c.canonical_id, o.placed_at, 'order_completed' FROM read_parquet(${files('orders')}) o JOIN cust c ON c.id = o.customer_id WHERE o.kind = 'sale')`;

    // 4-step funnel, 7-day window.
    const funnel = { ...range, steps: ['首页', 'Product Viewed', 'Product Added', 'order_completed'].map((event) => ({ event, where: [] })), window: { value: 7, unit: 'day' as const }, filters: {} };
    const [ours, oursMs] = await timed(() => analytics.funnel(ws, funnel));
    const [hand, handMs] = await timed(() => raw(`WITH ${common},
      s1 AS (SELECT cid, min(ts) AS t1 FROM act WHERE event = '首页' AND ts >= TIMESTAMPTZ '2026-01-01 00:00:00+00' AND ts < TIMESTAMPTZ '2027-01-01 00:00:00+00' GROUP BY cid),
      s2 AS (SELECT s.cid, s.t1, min(a.ts) AS t2 FROM s1 s JOIN act a ON a.cid = s.cid WHERE a.event = 'Product Viewed' AND a.ts > s.t1 AND a.ts <= s.t1 + INTERVAL 7 DAY GROUP BY ALL),
      s3 AS (SELECT s.cid, s.t1, s.t2, min(a.ts) AS t3 FROM s2 s JOIN act a ON a.cid = s.cid WHERE a.event = 'Product Added' AND a.ts > s.t2 AND a.ts <= s.t1 + INTERVAL 7 DAY GROUP BY ALL),
      s4 AS (SELECT s.cid, s.t1, min(a.ts) AS t4 FROM s3 s JOIN act a ON a.cid = s.cid WHERE a.event = 'order_completed' AND a.ts > s.t3 AND a.ts <= s.t1 + INTERVAL 7 DAY GROUP BY ALL)
      SELECT (SELECT count(*) FROM s1) AS c1, (SELECT count(*) FROM s2) AS c2, (SELECT count(*) FROM s3) AS c3, (SELECT count(*) FROM s4) AS c4,
             (SELECT median(epoch(t2) - epoch(t1)) FROM s2) AS m2, (SELECT median(epoch(t3) - epoch(t2)) FROM s3) AS m3, (SELECT median(epoch(s4.t4) - epoch(s3.t3)) FROM s4 JOIN s3 USING (cid)) AS m4`));
    const same = ours.steps.map((s: { customers: number }) => s.customers).join('/') === [hand[0].c1, hand[0].c2, hand[0].c3, hand[0].c4].join('/');
    rows.push({ query: '4-step funnel, 7-day window', 'ours s': seconds(oursMs), 'hand-written DuckDB s': seconds(handMs), ratio: Math.round((oursMs / handMs) * 100) / 100, 'same answer': same ? 'yes' : 'NO', result: ours.steps.map((s: { customers: number }) => s.customers).join(' → ') });

    // 12 monthly cohorts × 12 months, return on any activity, with lifetime value by cohort (the answer carries both).
    const retention = { ...range, cohort: 'first_event' as const, returnOn: { kind: 'any' as const }, period: 'month' as const, periods: 11, filters: {} };
    const [ret, retMs] = await timed(() => analytics.retention(ws, retention));
    const [retHand, retHandMs] = await timed(() => raw(`WITH ${common},
      firsts AS (SELECT cid, date_trunc('month', timezone('UTC', min(ts))) AS c FROM act GROUP BY cid),
      back AS (SELECT DISTINCT f.c, f.cid, datediff('month', f.c, date_trunc('month', timezone('UTC', a.ts))) AS k FROM firsts f JOIN act a ON a.cid = f.cid)
      SELECT c, k, count(*) AS n, NULL AS revenue FROM back WHERE c >= TIMESTAMP '2026-01-01' AND k BETWEEN 0 AND 11 GROUP BY 1, 2
      UNION ALL
      SELECT f.c, datediff('month', f.c, date_trunc('month', timezone('UTC', o.placed_at))) AS k, NULL, sum(o.amount)
        FROM firsts f JOIN (SELECT c.canonical_id AS cid, o.amount, o.placed_at FROM read_parquet(${files('orders')}) o JOIN cust c ON c.id = o.customer_id WHERE o.kind = 'sale') o ON o.cid = f.cid
       WHERE f.c >= TIMESTAMP '2026-01-01' AND datediff('month', f.c, date_trunc('month', timezone('UTC', o.placed_at))) BETWEEN 0 AND 11 GROUP BY 1, 2`));
    // Both the retained counts and lifetime value by cohort (cumulative revenue per member) must agree.
    const handCells = new Map(retHand.filter((r) => r.n != null).map((r) => [`${String(r.c).slice(0, 10)}|${r.k}`, Number(r.n)]));
    const handMoney = new Map(retHand.filter((r) => r.revenue != null).map((r) => [`${String(r.c).slice(0, 10)}|${r.k}`, Number(r.revenue)]));
    const retSame = ret.cohorts.every((c: { cohort: string; size: number; retained: (number | null)[]; ltv: (number | null)[] }) => {
      let cumulative = 0;
      return c.retained.every((n, k) => {
        cumulative += handMoney.get(`${c.cohort}|${k}`) ?? 0;
        return n === null || (n === (handCells.get(`${c.cohort}|${k}`) ?? 0) && Math.abs(c.ltv[k]! - cumulative / c.size) < 1e-6 * Math.max(1, cumulative / c.size));
      });
    });
    rows.push({ query: '12 × 12 monthly retention', 'ours s': seconds(retMs), 'hand-written DuckDB s': seconds(retHandMs), ratio: Math.round((retMs / retHandMs) * 100) / 100, 'same answer': retSame ? 'yes' : 'NO', result: `${ret.cohorts.length} cohorts` });

    // The overview dashboard: nine headline metrics, each against the previous period.
    const [ov, ovMs] = await timed(() => analytics.overview(ws, { from: new Date(Date.parse('2026-10-01T00:00:00Z')), to: new Date(Date.parse('2026-11-01T00:00:00Z')), interval: 'day', filters: {} }));
    // By hand, the same nine numbers for October and September with October's daily series: one pass over the
    // activity into (customer, day), one over orders, in one session.
    const [, ovHandMs] = await timed(() => withDuck(async (d) => {
      const cur = `TIMESTAMPTZ '2026-10-01 00:00:00+00'`;
      const prev = `TIMESTAMPTZ '2026-09-01 00:00:00+00'`;
      const end = `TIMESTAMPTZ '2026-11-01 00:00:00+00'`;
      await d.run(`CREATE TEMP TABLE days AS WITH ${common} SELECT DISTINCT cid, date_trunc('day', ts) AS day FROM act WHERE ts >= ${prev} AND ts < ${end}`);
      await d.all(`SELECT day >= ${cur} AS cur, count(DISTINCT cid) AS active, count(*) AS cust_days FROM days GROUP BY 1`);
      await d.all(`SELECT day, count(*) FROM days WHERE day >= ${cur} GROUP BY 1`);
      await d.all(`SELECT (SELECT avg(n) FROM (SELECT date_trunc('week', day), count(DISTINCT cid) AS n FROM days WHERE day >= ${cur} GROUP BY 1)) AS wau,
                          (SELECT count(DISTINCT cid) FROM days WHERE day >= ${end} - INTERVAL 30 DAY) AS mau`);
      const orders = `WITH cust AS (SELECT id, canonical_id, is_member FROM read_parquet(${files('customers')})),
        o AS (SELECT c.canonical_id AS cid, c.is_member, o.amount, o.placed_at, row_number() OVER (PARTITION BY c.canonical_id ORDER BY o.placed_at, o.id) AS n
                FROM read_parquet(${files('orders')}) o LEFT JOIN cust c ON c.id = o.customer_id WHERE o.kind = 'sale')`;
      await d.all(`${orders} SELECT CASE WHEN placed_at >= ${cur} THEN 'cur' ELSE 'prev' END AS p, date_trunc('day', placed_at) AS day, sum(amount), count(*), avg(amount), count(DISTINCT cid),
          sum(CASE WHEN is_member THEN amount END) / sum(amount) FROM o WHERE placed_at >= ${prev} AND placed_at < ${end} GROUP BY GROUPING SETS ((p), (p, day))`);
      await d.all(`${orders} SELECT a.placed_at >= ${cur} AS cur, avg(CASE WHEN b.cid IS NOT NULL THEN 1.0 ELSE 0.0 END) FROM o a LEFT JOIN o b ON b.cid = a.cid AND b.n = 2 AND b.placed_at <= a.placed_at + INTERVAL 30 DAY
          WHERE a.n = 1 AND a.placed_at >= ${prev} AND a.placed_at < ${end} GROUP BY 1`);
      await d.all(`SELECT min_f >= ${cur} AS cur, count(*) FROM (SELECT canonical_id, min(first_seen_at) AS min_f, bool_or(NOT is_anonymous) AS known FROM read_parquet(${files('customers')}) GROUP BY 1)
          WHERE known AND min_f >= ${prev} AND min_f < ${end} GROUP BY 1`);
    }, 3600_000));
    rows.push({ query: 'overview dashboard (9 metrics vs previous period)', 'ours s': seconds(ovMs), 'hand-written DuckDB s': seconds(ovHandMs), ratio: Math.round((ovMs / ovHandMs) * 100) / 100, 'same answer': '—', result: `${ov.metrics.length} metrics` });

    // A second identical question: answered from the cache.
    const [, cachedMs] = await timed(() => analytics.funnel(ws, funnel));
    rows.push({ query: 'the same funnel again (cache)', 'ours s': seconds(cachedMs), 'hand-written DuckDB s': seconds(handMs), ratio: Math.round((cachedMs / handMs) * 1000) / 1000, 'same answer': 'yes', result: 'cached' });
    report('analytics', rows, {
      engine, customers: opts.customers, events: opts.events, orders: Math.round(opts.customers * 0.9), generateSeconds: seconds(genMs),
      note: 'Parquet files generated with DuckDB in the layout the snapshot writer produces; ours = the analytics service (views over the snapshot, canonical ids through merges, orders as order_completed events, filters, JSON-ready answer); hand-written = one DuckDB query over the same files computing the same numbers.',
    });
  } finally {
    await t.close();
  }

  // The snapshot writer itself: a demo brand copied from the database into Parquet.
  const s = await startPlatform(engine, { runImports: false });
  try {
    await loadDemo(s.platform.ctx, { customers: opts.snapshotCustomers, seed: 21, workspaceId: s.ws.id });
    const [n, ms] = await timed(() => snapshotWorkspace(s.platform.ctx, s.ws.id, { settle: true, customers: true }));
    report('analytics-snapshot', [{ engine, 'demo customers': opts.snapshotCustomers, 'rows copied': n, seconds: seconds(ms), 'rows/s': Math.round(n / (ms / 1000)) }],
      { note: 'events, orders, refunds and customers of a demo brand copied from the database into Parquet by the snapshot writer (pages of 50,000 rows)' });
  } finally {
    await s.close();
  }
}
