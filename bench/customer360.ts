// Customer 360 read latency at scale. The data set (customers, identities, events, orders) is generated inside the
// database with generate_series — this benchmark measures reads, and loading 20M events through HTTP would take
// longer than the reads themselves; ingest speed has its own benchmark.
import { startPlatform } from '../test/helpers/platform.ts';
import { percentile, report, seconds, type Row } from './lib.ts';

export async function benchCustomer360(opts: { customers: number; events: number; samples: number }) {
  const engine = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
  const scale = engine === 'postgres' ? 1 : 0.05; // PGlite is single-process and in-memory here: a twentieth of the size
  const customers = Math.round(opts.customers * scale);
  const events = Math.round(opts.events * scale);
  const t = await startPlatform(engine, { runImports: false });
  const db = t.platform.ctx.db;
  const ws = t.ws.id;
  try {
    const load = performance.now();
    await db.query(`SELECT setval('customer_seq_${ws}', $1)`, [customers]);
    await db.query(
      `INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, pii_masked, traits, source_channel, first_seen_at, last_seen_at)
       SELECT $1, g, g, false, jsonb_build_object('name', '用户' || g, 'phone', '139****' || lpad((g % 10000)::text, 4, '0')),
              jsonb_build_object('city', (ARRAY['上海','北京','广州','深圳','杭州'])[1 + g % 5]),
              (ARRAY['公众号','视频号','抖音直播','小红书','门店扫码','包裹卡','小程序','老带新'])[1 + g % 8],
              now() - (g % 500) * interval '1 day', now() - (g % 30) * interval '1 day'
         FROM generate_series(1, $2) g`, [ws, customers]);
    await db.query(
      `INSERT INTO identities (workspace_id, id_type, scope, value_hash, value_enc, value_masked, customer_id, source)
       SELECT $1, 'user_id', '', md5('u' || g), 'x', 'u***', g, 'bench' FROM generate_series(1, $2) g`, [ws, customers]);
    await db.query(`ALTER TABLE events DROP CONSTRAINT events_pkey`);
    await db.query(`DROP INDEX events_message`);
    await db.query(`DROP INDEX events_customer_ts`);
    await db.query(`DROP INDEX events_ts`);
    const chunk = 2_000_000;
    for (let from = 1; from <= events; from += chunk) {
      const to = Math.min(events, from + chunk - 1);
      await db.query(
        `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
         SELECT $1, 'm' || g, 1 + (g::bigint * 7919) % $4, 'track', (ARRAY['Product Viewed','Product Added','Page Viewed'])[1 + g % 3],
                jsonb_build_object('sku', 'CAM-' || (g % 50)), now() - (g % 31536000) * interval '1 second'
           FROM generate_series($2::bigint, $3::bigint) g`, [ws, from, to, customers]);
      process.stderr.write(`\r  events ${to.toLocaleString()} / ${events.toLocaleString()}`);
    }
    process.stderr.write('\n');
    await db.query(`ALTER TABLE events ADD PRIMARY KEY (workspace_id, id)`);
    await db.query(`CREATE UNIQUE INDEX events_message ON events (workspace_id, message_id)`);
    await db.query(`CREATE INDEX events_customer_ts ON events (workspace_id, customer_id, ts DESC)`);
    await db.query(`CREATE INDEX events_ts ON events (workspace_id, ts)`);
    await db.query(
      `INSERT INTO orders (workspace_id, order_id, customer_id, status, currency, amount, items, placed_at)
       SELECT $1, 'o' || g, 1 + (g::bigint * 104729) % $3, 'paid', 'CNY', 5000 + g % 50000, '[{"sku":"CAM-101","quantity":1,"unit_price":18900}]', now() - (g % 500) * interval '1 day'
         FROM generate_series(1, $2) g`, [ws, Math.round(customers * 2), customers]);
    await db.query(`ANALYZE`);
    const loadMs = performance.now() - load;

    const lat = { profile: [] as number[], timeline: [] as number[] };
    const headers = { authorization: `Bearer ${t.ws.secretKey}` };
    for (let i = 0; i < opts.samples; i++) {
      const id = 1 + Math.floor(Math.random() * customers);
      let s = performance.now();
      const p = await fetch(`${t.url}/v1/customers/${id}`, { headers });
      if (p.status !== 200) throw new Error(`360 ${id}: ${p.status}`);
      await p.arrayBuffer();
      lat.profile.push(performance.now() - s);
      s = performance.now();
      const tl = await fetch(`${t.url}/v1/customers/${id}/timeline?limit=50`, { headers });
      await tl.arrayBuffer();
      lat.timeline.push(performance.now() - s);
    }
    const rows: Row[] = Object.entries(lat).map(([what, xs]) => {
      const sorted = xs.sort((a, b) => a - b);
      return { engine, read: what, customers, events, samples: xs.length, 'p50 ms': percentile(sorted, 50), 'p99 ms': percentile(sorted, 99), 'max ms': sorted[sorted.length - 1] };
    });
    report('customer360', rows, { loadSeconds: seconds(loadMs), note: 'HTTP GET /v1/customers/:id (profile, identities, merges, 50 orders) and /timeline?limit=50, random customers, one client' });
  } finally {
    await t.close();
  }
}
