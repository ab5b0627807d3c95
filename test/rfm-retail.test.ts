// RFM and analytics (cohort retention, repurchase, revenue by country) on the real UCI Online Retail data, checked
// against independent DuckDB queries over the raw file. Cleaning rules (the same on both sides):
//  - cancellation invoices (InvoiceNo starting with C) and other lines with a negative quantity are returns: they
//    count for neither frequency nor monetary value;
//  - lines without a CustomerID belong to no customer; CustomerID 17850.0 is customer 17850;
//  - the two "Adjust bad debt" lines with a negative unit price are rejected by the import;
//  - times are read as UTC; recency is whole days from the last purchase to 2011-12-10 00:00 UTC;
//  - monetary value is Σ quantity × unit price in pence, each price rounded to the penny.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');
const AS_OF = new Date('2011-12-10T00:00:00Z');

describe('RFM on UCI Online Retail vs DuckDB', { skip: !fs.existsSync(UCI) && 'shared data missing' }, () => {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform('pglite', { clock: new ManualClock(AS_OF) });
    const form = new FormData();
    form.append('kind', 'orders');
    form.append('options', JSON.stringify({ timezone: 'UTC', currency: 'GBP' }));
    form.append('file', new Blob([new Uint8Array(fs.readFileSync(UCI))]), 'online_retail.csv');
    const created = await fetch(`${t.url}/v1/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.ws.secretKey}` } }).then((r) => r.json());
    await waitFor('import', async () => ((await t.api('GET', `/v1/imports/${created.id}`)).body.status === 'done' ? true : null), 240_000);
  });
  after(async () => t.close());

  /** Every customer's layer explanation, by the blind index of their user id (the file's CustomerID). */
  async function explained() {
    const { rows } = await t.platform.ctx.db.query<{ hash: string; id: number }>(`SELECT value_hash AS hash, customer_id AS id FROM identities WHERE id_type = 'user_id'`);
    const out = new Map<string, any>();
    for (let i = 0; i < rows.length; i += 1000) {
      const part = rows.slice(i, i + 1000);
      const res = await t.api('POST', '/v1/layers/explain', { customerIds: part.map((r) => Number(r.id)) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      res.body.customers.forEach((c: any, k: number) => out.set(part[k].hash, c));
    }
    return out;
  }

  it('matches every customer\'s recency, frequency and monetary value, and fills the eight RFM cells', async () => {
    const res = await t.api('PUT', '/v1/layers/rfm', { config: { scores: 5, recency: { method: 'quantile' }, frequency: { method: 'quantile' }, monetary: { method: 'quantile' } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const summary = res.body.summary;

    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await duck.runAndReadAll(`
      WITH lines AS (
        SELECT InvoiceNo AS inv, CAST(CustomerID AS BIGINT) AS cust, Quantity AS q, round(UnitPrice * 100) AS pence, InvoiceDate AS ts
          FROM read_csv('${UCI}', header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'DOUBLE', 'InvoiceDate': 'TIMESTAMP'})
         WHERE CustomerID IS NOT NULL AND NOT starts_with(InvoiceNo, 'C') AND Quantity > 0 AND UnitPrice >= 0)
      SELECT cust, count(DISTINCT inv) AS f, sum(q * pence) AS m,
             floor(epoch(TIMESTAMP '2011-12-10 00:00:00' - max(ts)) / 86400) AS r
        FROM lines GROUP BY cust ORDER BY cust`);
    const expected = reader.getRowObjects().map((r) => ({ cust: String(r.cust), f: Number(r.f), m: Number(r.m), r: Number(r.r) }));
    assert.equal(summary.buyers, expected.length, 'the same buyers on both sides');

    const byHash = await explained();
    let checked = 0;
    for (const e of expected) {
      const x = byHash.get(t.platform.ctx.pii.blindIndex('user_id', e.cust));
      assert.ok(x?.rfm, `customer ${e.cust} has an RFM explanation`);
      assert.deepEqual([x.rfm.scores.recency_days, x.rfm.scores.frequency, x.rfm.scores.monetary], [e.r, e.f, e.m], `customer ${e.cust}`);
      assert.equal(x.rfm.cell, x.rfm.taggedCell, `customer ${e.cust}: the explained cell is the tagged one`);
      checked++;
    }
    assert.equal(checked, 4339, "the 4,339 customers known from the literature on this data set");

    assert.equal(summary.cells.length, 8);
    assert.equal(summary.cells.reduce((n: number, c: any) => n + c.customers, 0), expected.length);
    assert.ok(summary.cells.every((c: any) => c.customers > 0), 'every cell has customers on this data');
    const top = summary.cells.find((c: any) => c.name === '重要价值');
    assert.ok(top.revenueShare > 0.4, `重要价值 customers carry most revenue (${top.revenueShare})`);
    const tag = (await t.api('GET', '/v1/tags/rfm_important_value')).body;
    assert.equal(tag.coverage, top.customers);
    assert.equal(tag.kind, 'model');
    // Segments can use the cells like any tag.
    const preview = await t.api('POST', '/v1/segments/preview', { rule: { tag: 'rfm_important_value', has: true } });
    assert.equal(preview.body.count, top.customers);
  });

  it('computes value quadrants and lifecycle stages as tags', async () => {
    const q = await t.api('PUT', '/v1/layers/quadrant', { config: { periodDays: 30, dropShare: 0.3 } });
    assert.equal(q.status, 200, JSON.stringify(q.body));
    assert.equal(q.body.summary.quadrants.reduce((n: number, x: any) => n + x.customers, 0), q.body.summary.customers);
    // Activity (here: purchases) in the last 30 days and the 30 before, per customer, as DuckDB counts it from the file.
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await duck.runAndReadAll(`
      WITH lines AS (
        SELECT InvoiceNo AS inv, CAST(CustomerID AS BIGINT) AS cust, InvoiceDate AS ts
          FROM read_csv('${UCI}', header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'DOUBLE', 'InvoiceDate': 'TIMESTAMP'})
         WHERE CustomerID IS NOT NULL AND NOT starts_with(InvoiceNo, 'C') AND Quantity > 0 AND UnitPrice >= 0)
      SELECT cust, count(DISTINCT inv) FILTER (WHERE ts > TIMESTAMP '2011-11-10') AS cur,
             count(DISTINCT inv) FILTER (WHERE ts <= TIMESTAMP '2011-11-10' AND ts > TIMESTAMP '2011-10-11') AS prev
        FROM lines GROUP BY cust`);
    const byHash = await explained();
    let active = 0;
    for (const e of reader.getRowObjects()) {
      const x = byHash.get(t.platform.ctx.pii.blindIndex('user_id', String(e.cust)));
      assert.ok(x?.quadrant, `customer ${e.cust} is placed in a quadrant`);
      assert.deepEqual([x.quadrant.activity, x.quadrant.previous], [Number(e.cur), Number(e.prev)], `customer ${e.cust}`);
      assert.equal(x.quadrant.cell, x.quadrant.taggedCell, `customer ${e.cust}: the explained quadrant is the tagged one`);
      if (x.quadrant.activity > 0) active++;
    }
    assert.ok(active > 1000, `many customers bought in the last 30 days (${active})`);
    const layers = (await t.api('GET', '/v1/layers')).body;
    const life = await t.api('PUT', '/v1/layers/lifecycle', { config: layers.lifecycle.config });
    assert.equal(life.status, 200, JSON.stringify(life.body));
    const total = life.body.stages.reduce((n: number, s: any) => n + s.coverage, 0);
    const customers = (await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE merged_into IS NULL`)).rows[0].n;
    assert.equal(total, customers, 'every customer is in exactly one stage');
    const bad = await t.api('PUT', '/v1/layers/lifecycle', { config: { stages: [{ key: 'a', name: 'A', rule: { field: 'order_count', op: 'gt', value: 'x' } }, { key: 'b', name: 'B', rule: { field: 'known', op: 'eq', value: true } }] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.problems[0].field, 'config.stages.0.rule.value');
    const none = await t.api('POST', '/v1/layers/explain', { customerIds: [] });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.problems[0].field, 'body.customerIds');
  });

  it('refreshes the layers a day later on its own: recency grows, customers who stay in a cell keep their tag', async () => {
    const clock = t.platform.ctx.clock as ManualClock;
    // Fixed recency cut points, so three days push customers near a cut into the next score.
    const fixed = await t.api('PUT', '/v1/layers/rfm', { config: { scores: 5, recency: { method: 'fixed', cuts: [14, 30, 90, 180] }, frequency: { method: 'quantile' }, monetary: { method: 'quantile' } } });
    assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
    const before = await t.platform.ctx.db.query<{ customer_id: number; tag_id: number; added_at: Date }>(`SELECT customer_id, tag_id, added_at FROM customer_tags WHERE source = 'model:rfm'`);
    const recency = async () => new Map([...(await explained()).values()].filter((x) => x.rfm).map((x) => [x.customerId, x.rfm.scores.recency_days]));
    const r0 = await recency();
    clock.advance(3 * 86_400_000);
    await t.platform.models.runDue();
    const r1 = await recency();
    assert.equal(r1.size, r0.size);
    for (const [id, r] of r0) assert.equal(r1.get(id), r + 3, `customer ${id} is three days further from the last purchase`);
    const models = await t.platform.ctx.db.query<{ model: string; at: Date }>(`SELECT model, computed_at AS at FROM layer_models WHERE model IN ('rfm', 'quadrant')`);
    for (const m of models.rows) assert.equal(new Date(m.at).getTime(), clock.now().getTime(), `${m.model} refreshed`);
    const after = new Map((await t.platform.ctx.db.query<{ customer_id: number; tag_id: number; added_at: Date }>(
      `SELECT customer_id, tag_id, added_at FROM customer_tags WHERE source = 'model:rfm'`)).rows.map((x) => [`${x.customer_id}:${x.tag_id}`, new Date(x.added_at).getTime()]));
    const stayed = before.rows.filter((b) => after.has(`${b.customer_id}:${b.tag_id}`));
    assert.ok(stayed.length > 0 && stayed.length < before.rows.length, `some customers moved cells, most stayed (${stayed.length} of ${before.rows.length})`);
    for (const b of stayed) assert.equal(after.get(`${b.customer_id}:${b.tag_id}`), new Date(b.added_at).getTime(), 'tagged since the first run');
    assert.equal(after.size, before.rows.length, 'one cell each, before and after');
    // Rules that read the cells follow in the same refresh.
    const top = (await t.api('GET', '/v1/tags/rfm_important_value')).body;
    const preview = await t.api('POST', '/v1/segments/preview', { rule: { tag: 'rfm_important_value', has: true } });
    assert.equal(preview.body.count, top.coverage);
    clock.set(AS_OF);
  });

  it('answers monthly cohort retention, the repurchase rate and revenue by country as an independent DuckDB query over the raw file does', async () => {
    // Same cleaning rules as above (sales = invoices not starting with C, lines with quantity > 0 and a price ≥ 0);
    // revenue also counts invoices without a CustomerID (guest orders keep their country); months in UTC.
    await t.platform.ctx.db.query(`UPDATE workspaces SET timezone = 'UTC' WHERE id = $1`, [t.ws.id]);
    const snap = await t.api('POST', '/v1/analytics/snapshot');
    assert.equal(snap.status, 200, JSON.stringify(snap.body));
    assert.ok(snap.body.rows > 25_000, 'orders and customers copied to Parquet');
    const range = { from: '2010-12-01T00:00:00Z', to: '2011-12-10T00:00:00Z' };
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const raw = async (sql: string) => (await duck.runAndReadAll(`
      WITH lines AS (
        SELECT InvoiceNo AS inv, CAST(CustomerID AS BIGINT) AS cust, Quantity AS q, round(UnitPrice * 100) AS pence, InvoiceDate AS ts, Country AS country
          FROM read_csv('${UCI}', header = true, types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR', 'CustomerID': 'DOUBLE', 'InvoiceDate': 'TIMESTAMP'})
         WHERE NOT starts_with(InvoiceNo, 'C') AND Quantity > 0 AND UnitPrice >= 0),
      inv AS (SELECT inv, cust, min(ts) AS ts FROM lines WHERE cust IS NOT NULL GROUP BY inv, cust)
      ${sql}`)).getRowObjectsJS();

    const retention = await t.api('POST', '/v1/analytics/retention', { ...range, cohort: 'first_order', returnOn: { kind: 'order' }, period: 'month', periods: 12 });
    assert.equal(retention.status, 200, JSON.stringify(retention.body));
    const expected = await raw(`, firsts AS (SELECT cust, date_trunc('month', min(ts)) AS c FROM inv GROUP BY cust),
        back AS (SELECT DISTINCT f.c, f.cust, datediff('month', f.c, date_trunc('month', i.ts)) AS k FROM firsts f JOIN inv i ON i.cust = f.cust)
      SELECT strftime(c, '%Y-%m-%d') AS c, k, count(*) AS n FROM back WHERE k BETWEEN 0 AND 12 GROUP BY 1, 2`);
    const want = new Map(expected.map((r) => [`${r.c}|${r.k}`, Number(r.n)]));
    let cells = 0;
    for (const cohort of retention.body.cohorts) {
      cohort.retained.forEach((n: number | null, k: number) => {
        if (n === null) return; // a month after the data ends
        assert.equal(n, want.get(`${cohort.cohort}|${k}`) ?? 0, `cohort ${cohort.cohort}, month ${k}`);
        cells++;
      });
    }
    assert.equal(retention.body.cohorts.length, 13, 'cohorts December 2010 to December 2011');
    assert.equal(retention.body.cohorts[0].size, want.get('2010-12-01|0'));
    assert.ok(cells >= 90, `${cells} cells compared`);

    const rate = await t.api('POST', '/v1/analytics/metrics/query', { metric: 'repurchase_rate', ...range, interval: 'month', repurchaseDays: 30 });
    const [r] = await raw(`, ranked AS (SELECT cust, ts, row_number() OVER (PARTITION BY cust ORDER BY ts, inv) AS rn FROM inv)
      SELECT avg(CASE WHEN r2.ts IS NOT NULL AND r2.ts <= r1.ts + INTERVAL 30 DAY THEN 1.0 ELSE 0.0 END) AS rate, count(*) AS buyers
        FROM ranked r1 LEFT JOIN ranked r2 ON r2.cust = r1.cust AND r2.rn = 2 WHERE r1.rn = 1`);
    assert.ok(Math.abs(rate.body.value - Number(r.rate)) < 1e-12, `repurchase ${rate.body.value} vs ${r.rate}`);

    const gmv = await t.api('POST', '/v1/analytics/metrics/query', { metric: 'gmv', ...range, interval: 'month', breakdown: 'country' });
    const countries = await raw(`SELECT country, sum(q * pence) AS revenue FROM lines GROUP BY 1`);
    const ours = new Map(gmv.body.breakdown.map((b: any) => [b.key, b.value]));
    assert.equal(gmv.body.breakdown.length, Math.min(50, countries.length));
    for (const c of countries) if (ours.has(c.country as string)) assert.equal(ours.get(c.country as string), Number(c.revenue), `revenue of ${c.country}`);
    assert.equal(gmv.body.value, countries.reduce((s, c) => s + Number(c.revenue), 0), 'total revenue');
  });
});
