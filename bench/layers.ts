// Full recompute of 用户分层 at scale: RFM, the four value quadrants, lifecycle stages and 50 rule tags over 1M
// customers whose activity is 100M events, against the same computation written as DuckDB SQL over the same data.
//
// Customers live in the database (generated there, with order facts); their events are Parquet files in the
// snapshot layout (generated with DuckDB, as in the analytics benchmark: 100M rows through the database would take
// longer than everything measured). Ours: POST /v1/layers/refresh's path, from reading the data to every result
// and tag stored in the database. DuckDB: the customers exported once to Parquet (not timed), then one session
// computing the same cells, stages and memberships into tables. Every tag's size must agree between the two.
import fs from 'node:fs';
import path from 'node:path';
import { startPlatform, type Engine } from '../test/helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import type { Queryable } from '../src/kernel/db.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import { withDuck, literal } from '../src/analytics/duck.ts';
import { analyticsDir, snapshotWorkspace } from '../src/analytics/snapshots.ts';
import { refreshLayers } from '../src/layers/refresh.ts';
import { DEFAULT_LIFECYCLE, QUADRANTS, RFM_CELLS } from '../src/layers/config.ts';
import { lifecycleTagKey } from '../src/layers/lifecycle.ts';
import { isAll, isAny, isNot, isTag, type FieldCondition, type Rule } from '../src/rules/rules.ts';
import { generateEvents, registerEventParts } from './analytics.ts';
import { report, seconds, type Row } from './lib.ts';

const DAY = 86_400_000;
const CHANNELS = ['公众号', '视频号', '抖音直播', '小红书', '门店扫码', '包裹卡', '小程序', '老带新'];
const CITIES = ['上海', '北京', '广州', '深圳', '杭州', '成都'];

/** Fifty rule tags of the shapes operators write: attributes, order facts, time windows and the layer cells. */
export function benchRules(): { key: string; rule: Rule }[] {
  const lifecycle = DEFAULT_LIFECYCLE.stages.map((s) => lifecycleTagKey(s.key));
  return Array.from({ length: 50 }, (_, k) => {
    const channel = CHANNELS[k % CHANNELS.length];
    const city = CITIES[k % CITIES.length];
    const shapes: Rule[] = [
      { all: [{ field: 'source_channel', op: 'in', value: [channel, CHANNELS[(k + 3) % 8]] }, { field: 'order_count', op: 'gte', value: (k % 4) + 1 }, { field: 'traits.city', op: 'eq', value: city }] },
      { all: [{ tag: RFM_CELLS[k % 8].key, has: true }, { field: 'total_spent', op: 'gte', value: 10_000 * ((k % 7) + 1) }] },
      { any: [{ all: [{ tag: QUADRANTS[k % 4].key, has: true }, { field: 'last_seen_at', op: 'within_last_days', value: 7 + k }] }, { not: { field: 'traits.gender', op: 'eq', value: 'male' } }] },
      { all: [{ tag: lifecycle[k % lifecycle.length], has: true }, { field: 'last_order_at', op: 'within_last_days', value: 30 + k }] },
      { all: [{ field: 'known', op: 'eq', value: true }, { not: { tag: 'rfm_general_retain', has: true } }, { field: 'order_count', op: 'between', value: [1, (k % 6) + 2] }, { field: 'source_channel', op: 'eq', value: channel }] },
    ];
    return { key: `bench_rule_${k}`, rule: shapes[k % shapes.length] };
  });
}

/** The same rule as a DuckDB predicate over the wide table `w` (customer columns plus rfm, quadrant, stage). */
function ruleSql(rule: Rule, now: number): string {
  if (isAll(rule)) return `(${rule.all.map((r) => ruleSql(r, now)).join(' AND ')})`;
  if (isAny(rule)) return `(${rule.any.map((r) => ruleSql(r, now)).join(' OR ')})`;
  if (isNot(rule)) return `(NOT ${ruleSql(rule.not, now)})`;
  if (isTag(rule)) {
    const column = rule.tag.startsWith('rfm_') ? 'rfm' : rule.tag.startsWith('quadrant_') ? 'quadrant' : 'stage';
    return `(coalesce(${column} = ${literal(rule.tag)}, false) = ${rule.has})`;
  }
  const c = rule as FieldCondition;
  const column = c.field === 'known' ? 'NOT is_anonymous' : c.field.startsWith('traits.') ? c.field.slice(7) : c.field;
  const ms = (days: number) => `make_timestamptz(${(now - days * DAY) * 1000}::BIGINT)`;
  // Missing values are false under every operator except the negative time window, as in the engine.
  switch (c.op) {
    case 'eq': return `coalesce(${column} = ${typeof c.value === 'string' ? literal(c.value) : c.value}, false)`;
    case 'in': return `coalesce(${column} IN (${(c.value as string[]).map((v) => literal(String(v))).join(', ')}), false)`;
    case 'gte': return `coalesce(${column} >= ${c.value}, false)`;
    case 'between': return `coalesce(${column} BETWEEN ${(c.value as number[])[0]} AND ${(c.value as number[])[1]}, false)`;
    case 'within_last_days': return `coalesce(${column} >= ${ms(Number(c.value))}, false)`;
    case 'not_within_last_days': return `NOT coalesce(${column} >= ${ms(Number(c.value))}, false)`;
    default: throw new Error(`the benchmark's SQL translation has no ${c.op}`);
  }
}

/** The customers table as Parquet for the DuckDB side (pages by id, through NDJSON). */
async function exportCustomers(db: Queryable, ws: string, file: string) {
  const tmp = `${file}.ndjson`;
  const out = fs.openSync(tmp, 'w');
  for (let after = 0; ;) {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT id, merged_into, is_anonymous, source_channel, order_count, total_spent::float8 AS total_spent, last_order_at, last_seen_at, traits->>'city' AS city, traits->>'gender' AS gender
         FROM customers WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT 100000`, [ws, after]);
    if (!rows.length) break;
    fs.writeSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    after = Number(rows[rows.length - 1].id);
  }
  fs.closeSync(out);
  await withDuck((d) => d.run(`COPY (SELECT * FROM read_json(${literal(tmp)}, columns = {id: 'BIGINT', merged_into: 'BIGINT', is_anonymous: 'BOOLEAN', source_channel: 'VARCHAR',
    order_count: 'INTEGER', total_spent: 'BIGINT', last_order_at: 'TIMESTAMPTZ', last_seen_at: 'TIMESTAMPTZ', city: 'VARCHAR', gender: 'VARCHAR'}, format = 'newline_delimited'))
    TO ${literal(file)} (FORMAT parquet)`), 3600_000);
  fs.rmSync(tmp);
}

/** The whole computation in DuckDB SQL; returns each tag's size. */
async function duckdbLayers(customersFile: string, eventsGlob: string, now: number, rules: { key: string; rule: Rule }[]) {
  return withDuck(async (d) => {
    const at = `make_timestamptz(${now * 1000}::BIGINT)`;
    const q = [0.2, 0.4, 0.6, 0.8];
    await d.run(`CREATE TEMP TABLE c AS SELECT * FROM read_parquet(${literal(customersFile)}) WHERE merged_into IS NULL`);
    // RFM: quintile cut points, scores, the eight cells (a score of 3 or more is high).
    await d.run(`CREATE TEMP TABLE b AS SELECT id, floor((epoch_ms(${at}) - epoch_ms(last_order_at)) / ${DAY}) AS r, order_count AS f, total_spent AS m FROM c WHERE order_count > 0`);
    await d.run(`CREATE TEMP TABLE rfm AS
      WITH cuts AS (SELECT quantile_cont(r, [${q}]) AS rc, quantile_cont(f, [${q}]) AS fc, quantile_cont(m, [${q}]) AS mc FROM b),
           s AS (SELECT id, 1 + len(list_filter(rc, x -> r < x)) AS rs, 1 + len(list_filter(fc, x -> f > x)) AS fs, 1 + len(list_filter(mc, x -> m > x)) AS ms FROM b, cuts)
      SELECT id, CASE ${RFM_CELLS.map((cell) => `WHEN (rs >= 3) = ${cell.r} AND (fs >= 3) = ${cell.f} AND (ms >= 3) = ${cell.m} THEN '${cell.key}'`).join(' ')} END AS cell FROM s`);
    // Quadrants: value against the activity trend over the last 30 days and the 30 before.
    await d.run(`CREATE TEMP TABLE quad AS
      WITH a AS (SELECT customer_id AS id, count(*) FILTER (WHERE ts > ${at} - INTERVAL 30 DAY) AS cur, count(*) FILTER (WHERE ts <= ${at} - INTERVAL 30 DAY) AS prev
                   FROM read_parquet(${literal(eventsGlob)}) WHERE type IN ('track', 'page', 'screen') AND ts > ${at} - INTERVAL 60 DAY AND ts <= ${at} GROUP BY 1),
           k AS (SELECT c.id, c.total_spent AS spent, coalesce(a.cur, 0) AS cur, coalesce(a.prev, 0) AS prev FROM c LEFT JOIN a USING (id) WHERE NOT c.is_anonymous),
           t AS (SELECT quantile_cont(spent, 0.5) AS threshold FROM k WHERE spent > 0)
      SELECT id, CASE ${QUADRANTS.map((x) => `WHEN (spent > 0 AND spent >= threshold) = ${x.highValue} AND (CASE WHEN prev = 0 THEN cur = 0 ELSE cur <= prev * 0.7 END) = ${x.declining} THEN '${x.key}'`).join(' ')} END AS cell FROM k, t`);
    // Lifecycle: the first stage whose rule holds; then the fifty rules over everything above.
    await d.run(`CREATE TEMP TABLE w AS SELECT c.*, rfm.cell AS rfm, quad.cell AS quadrant, NULL::VARCHAR AS stage FROM c LEFT JOIN rfm USING (id) LEFT JOIN quad USING (id)`);
    await d.run(`UPDATE w SET stage = CASE ${DEFAULT_LIFECYCLE.stages.map((s) => `WHEN ${ruleSql(s.rule, now)} THEN '${lifecycleTagKey(s.key)}'`).join(' ')} END`);
    await d.run(`CREATE TEMP TABLE members AS
      SELECT id, rfm AS tag FROM w WHERE rfm IS NOT NULL UNION ALL SELECT id, quadrant FROM w WHERE quadrant IS NOT NULL UNION ALL SELECT id, stage FROM w WHERE stage IS NOT NULL
      ${rules.map((r) => `UNION ALL SELECT id, '${r.key}' FROM w WHERE ${ruleSql(r.rule, now)}`).join('\n')}`);
    const rows = await d.all(`SELECT tag, count(*) AS n FROM members GROUP BY tag`);
    return new Map(rows.map((r) => [String(r.tag), Number(r.n)]));
  }, 3600_000);
}

export async function benchLayers(opts: { customers: number; events: number }) {
  const engine: Engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
  // One instant for both sides: the rules' time windows are evaluated at exactly the refresh's now.
  const clock = new ManualClock(new Date());
  const t = await startPlatform(engine, { runImports: false, clock, config: { analyticsTimeoutMs: 3600_000 } });
  const rows: Row[] = [];
  const started = performance.now();
  const stage = (what: string) => process.stderr.write(`  [${seconds(performance.now() - started)} s] ${what}\n`);
  try {
    const { ctx } = t.platform;
    const ws = t.ws.id;
    const db = ctx.db;
    await db.query(`UPDATE workspaces SET timezone = 'UTC' WHERE id = $1`, [ws]);
    await db.query(`SELECT setval('customer_seq_${ws}', $1)`, [opts.customers]);
    await db.query(
      `INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, traits, source_channel, order_count, total_spent, first_order_at, last_order_at, first_seen_at, last_seen_at)
       SELECT $1, g, g, g % 7 = 0, jsonb_build_object('city', (ARRAY['上海','北京','广州','深圳','杭州','成都'])[1 + g % 6], 'gender', CASE WHEN g % 5 = 0 THEN 'male' ELSE 'female' END),
              (ARRAY['公众号','视频号','抖音直播','小红书','门店扫码','包裹卡','小程序','老带新'])[1 + g % 8],
              (g % 9), (g % 9) * (5000 + (g * 7919) % 30000), CASE WHEN g % 9 > 0 THEN now() - ((g * 31) % 400) * interval '1 day' END,
              CASE WHEN g % 9 > 0 THEN now() - ((g * 17) % 200) * interval '1 day' - ((g * 13) % 86400) * interval '1 second' END,
              now() - (g % 500) * interval '1 day', now() - ((g * 11) % 60) * interval '1 day'
         FROM generate_series(1::bigint, $2::bigint) g`, [ws, opts.customers]);
    await db.query(`ANALYZE customers`);
    stage(`${opts.customers.toLocaleString()} customers generated`);
    await snapshotWorkspace(ctx, ws, { settle: true, customers: true });
    stage('customers copied to Parquet by the snapshot writer');
    const dir = analyticsDir(ctx, ws);
    await generateEvents(dir, opts.customers, opts.events);
    await withTenant(db, ws, (tx) => registerEventParts(tx, dir, opts.events));
    stage(`${opts.events.toLocaleString()} events generated`);

    // Lifecycle stages and the fifty rule tags defined; the engine loaded (as in a running server).
    const life = await t.api('PUT', '/v1/layers/lifecycle', { config: DEFAULT_LIFECYCLE });
    if (life.status !== 200) throw new Error(JSON.stringify(life.body));
    const rules = benchRules();
    await withTenant(db, ws, async (tx) => {
      for (const r of rules) {
        await tx.query(`INSERT INTO tags (workspace_id, key, name, tier, group_name, kind, rule, owner, description) VALUES ($1, $2, $2, 'behavior', 'bench', 'rule', $3, 'bench', '')`,
          [ws, r.key, JSON.stringify(r.rule)]);
      }
    });
    await t.platform.engine.recomputeAll(ws);
    // Settle the database after the bulk load (statistics, dirty pages) so that is not what the runs measure.
    await db.query(`VACUUM ANALYZE customer_tags`);
    await db.query(`CHECKPOINT`);
    stage('lifecycle and 50 rule tags defined, engine loaded');

    const customersFile = path.join(dir, 'bench-customers.parquet');
    await exportCustomers(db, ws, customersFile);
    stage('customers exported for DuckDB');

    const sizes = async () => new Map((await withTenant(db, ws, (tx) => tx.query<{ key: string; coverage: number }>(
      `SELECT key, coverage FROM tags WHERE deleted_at IS NULL AND (kind = 'model' OR key LIKE 'lifecycle\\_%' OR key LIKE 'bench\\_rule\\_%')`))).rows.map((r) => [r.key, Number(r.coverage)]));
    for (const run of ['first run (nothing computed before)', 'next run (results in place)']) {
      clock.set(new Date());
      const now = clock.now();
      // The clock stood still through the setup; a running server would have moved the customers whose time
      // windows closed meanwhile as they closed. Let the scheduler catch up first, so the refresh is not timed
      // sharing the process with minutes of backlog.
      await t.platform.engine.tick(ws);
      await t.platform.engine.idle(ws);
      const s = performance.now();
      const timings = await refreshLayers(ctx, t.platform.engine, ws, now);
      const oursMs = performance.now() - s;
      stage(`ours: ${run} ${seconds(oursMs)} s ${JSON.stringify(timings)}`);
      const h = performance.now();
      const expected = await duckdbLayers(customersFile, path.join(dir, 'events', '*.parquet'), now.getTime(), rules);
      const duckMs = performance.now() - h;
      const ours = await sizes();
      const differing = [...new Set([...ours.keys(), ...expected.keys()])].filter((k) => (ours.get(k) ?? 0) !== (expected.get(k) ?? 0));
      if (differing.length) process.stderr.write(`  differing tag sizes: ${differing.slice(0, 10).map((k) => `${k} ours ${ours.get(k)} duckdb ${expected.get(k)}`).join('; ')}\n`);
      rows.push({
        run, customers: opts.customers, events: opts.events, tags: ours.size, 'ours s': seconds(oursMs), 'rfm s': seconds(timings.rfmMs), 'quadrants s': seconds(timings.quadrantMs),
        'lifecycle + rules s': seconds(timings.rulesMs), 'DuckDB SQL s': seconds(duckMs), ratio: Math.round((oursMs / duckMs) * 100) / 100,
        'same tag sizes': differing.length ? `NO (${differing.length})` : 'yes',
      });
    }
    report('layers', rows, {
      engine,
      note: 'ours = RFM, quadrants (activity counted by the analytics warehouse), then lifecycle and 50 rule tags by the segment engine, every result and tag stored in the database; DuckDB SQL = the same cells, stages and memberships into DuckDB tables from the customers exported to Parquet and the same event files, nothing stored elsewhere',
    });
  } finally {
    await t.close();
    fs.rmSync(analyticsDir(t.platform.ctx, t.ws.id), { recursive: true, force: true });
  }
}
