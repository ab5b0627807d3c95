// Ingest throughput: events/s through the HTTP batch API (validation, identity resolution, profile updates, durable
// insert) against a raw multi-row INSERT of the same rows into the same database.
import { startPlatform, type Engine } from '../test/helpers/platform.ts';
import { loadFromProcess, report, seconds, type Row } from './lib.ts';

const BATCH = 500;

function makeBatches(total: number, people: number, prefix: string) {
  const batches: object[][] = [];
  for (let b = 0; b * BATCH < total; b++) {
    batches.push(Array.from({ length: Math.min(BATCH, total - b * BATCH) }, (_, i) => {
      const n = b * BATCH + i;
      const person = (n * 7919) % people;
      return n % 25 === 0
        ? { type: 'identify', userId: `${prefix}-u${person}`, anonymousId: `${prefix}-d${person}`, messageId: `${prefix}-${n}`, traits: { name: `用户${person}`, phone: `139${String(10000000 + person).slice(-8)}`, city: '上海' } }
        : { type: 'track', anonymousId: `${prefix}-d${person}`, userId: n % 3 ? `${prefix}-u${person}` : undefined, event: n % 2 ? 'Product Viewed' : 'Page Viewed', messageId: `${prefix}-${n}`, properties: { sku: `CAM-${n % 50}`, price: 18900 }, timestamp: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString() };
    }));
  }
  return batches;
}

export async function benchIngest(engines: Engine[], opts: { events: Record<Engine, number>; concurrency: Record<Engine, number> }) {
  const rows: Row[] = [];
  for (const engine of engines) {
    const total = opts.events[engine];
    const t = await startPlatform(engine, { runImports: false });
    try {
      const authorization = `Basic ${Buffer.from(`${t.ws.writeKey}:`).toString('base64')}`;
      const batches = makeBatches(total, Math.round(total / 20), `b${engine}`);
      // Warm-up batch (JIT, connection pool) is not counted.
      await loadFromProcess({ url: t.url, authorization, concurrency: 1, requests: [{ method: 'POST', path: '/v1/batch', body: { batch: makeBatches(BATCH, 100, `warm${engine}`)[0] } }] });
      // The senders run in their own process, as SDKs on other machines would: the server's event loop is its own.
      const load = await loadFromProcess({ url: t.url, authorization, concurrency: opts.concurrency[engine], requests: batches.map((batch) => ({ method: 'POST', path: '/v1/batch', body: { batch } })) });
      for (const r of load.results) {
        if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${r.body}`);
        const rejected = JSON.parse(r.body).results.find((x: any) => x.status !== 'accepted');
        if (rejected) throw new Error(`rejected: ${JSON.stringify(rejected)}`);
      }
      const httpMs = load.ms;

      // The same rows written with one multi-row INSERT per batch, nothing else.
      const db = t.platform.ctx.db;
      await db.query(`CREATE TABLE raw_events (LIKE events INCLUDING DEFAULTS INCLUDING INDEXES)`);
      const rawStart = performance.now();
      let cust = 0;
      await Promise.all(Array.from({ length: opts.concurrency[engine] }, async (_, lane) => {
        for (let k = lane; k < batches.length; k += opts.concurrency[engine]) {
          const b = batches[k] as any[];
          const values: unknown[] = [];
          const tuples = b.map((m, i) => {
            values.push(t.ws.id, `raw-${m.messageId}`, ++cust, m.type, m.event ?? null, JSON.stringify(m.properties ?? m.traits ?? {}), '{}', m.timestamp ?? new Date().toISOString());
            const o = i * 8;
            return `($${o + 1},$${o + 2},$${o + 3},$${o + 4},$${o + 5},$${o + 6},$${o + 7},$${o + 8})`;
          });
          await db.query(`INSERT INTO raw_events (workspace_id, message_id, customer_id, type, event, properties, context, ts) VALUES ${tuples.join(',')}`, values);
        }
      }));
      const rawMs = performance.now() - rawStart;
      const customers = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE merged_into IS NULL`)).rows[0].n;
      rows.push({
        engine, events: total, batch: BATCH, clients: opts.concurrency[engine], profiles: customers,
        'http s': seconds(httpMs), 'events/s': Math.round(total / (httpMs / 1000)),
        'raw INSERT s': seconds(rawMs), 'raw rows/s': Math.round(total / (rawMs / 1000)), 'ratio to raw': Math.round((httpMs / rawMs) * 100) / 100,
      });
    } finally {
      await t.close();
    }
  }
  report('ingest', rows, { note: 'HTTP /v1/batch of 500 Segment messages per request, sent from a separate client process, 1 in 25 an identify with PII; identity resolution, profile updates and event insert in one transaction per batch. Raw = multi-row INSERT of the same rows into a copy of the events table (same indexes).' });
}
