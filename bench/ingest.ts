// Ingest throughput: events/s through the HTTP batch API (validation, identity resolution, profile updates, durable
// insert) against a raw multi-row INSERT of the same rows into the same database.
import crypto from 'node:crypto';
import { startPlatform, waitFor, type Engine } from '../test/helpers/platform.ts';
import { deleteStream, NATS_URL } from '../test/helpers/nats.ts';
import { BufferApplier } from '../src/ingest/buffer/applier.ts';
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
  if (engines.includes('postgres')) rows.push(...(await benchIngestLog(opts.events.postgres, opts.concurrency.postgres)));
  report('ingest', rows, { note: 'Direct rows: HTTP /v1/batch of 500 Segment messages per request, sent from a separate client process, 1 in 25 an identify with PII; identity resolution, profile updates and event insert in one transaction per batch. Raw = multi-row INSERT of the same rows into a copy of the events table (same indexes). Log rows (SIYU_INGEST_BUFFER): requests acknowledged once NATS JetStream stores them; "events/s" is the acknowledged rate, "applied/s" the rate at which they reach PostgreSQL with identity resolution, from the first request to the last event stored. "burst" sends with no applier running, then starts one and measures the drain.' });
}

/** The same load through the ingest log: with appliers running alongside, and as a burst absorbed first and drained after. */
async function benchIngestLog(total: number, clients: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of ['applying', 'burst'] as const) {
    const stream = `SIYU_BENCH_${crypto.randomBytes(4).toString('hex')}`;
    const t = await startPlatform('postgres', { runImports: false, config: { ingestBuffer: NATS_URL, ingestStream: stream, ingestAppliers: 0 } });
    try {
      const authorization = `Basic ${Buffer.from(`${t.ws.writeKey}:`).toString('base64')}`;
      const stored = async () => (await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`)).rows[0].n;
      const applier = new BufferApplier(t.platform.ctx, t.platform.ingestLog!, { loops: 2 });
      await loadFromProcess({ url: t.url, authorization, concurrency: 1, requests: [{ method: 'POST', path: '/v1/batch', body: { batch: makeBatches(BATCH, 100, `warmlog${mode}`)[0] } }] });
      applier.start();
      await waitFor('warm-up applied', async () => (await stored()) === BATCH);
      if (mode === 'burst') await applier.stop();
      const batches = makeBatches(total, Math.round(total / 20), `log${mode}`);
      const start = performance.now();
      const load = await loadFromProcess({ url: t.url, authorization, concurrency: clients, requests: batches.map((batch) => ({ method: 'POST', path: '/v1/batch', body: { batch } })) });
      for (const r of load.results) if (r.status !== 200 || JSON.parse(r.body).results.some((x: any) => x.status !== 'queued')) throw new Error(`HTTP ${r.status}: ${r.body.slice(0, 300)}`);
      const drainStart = performance.now();
      const drainer = mode === 'burst' ? new BufferApplier(t.platform.ctx, t.platform.ingestLog!, { loops: 2 }) : applier;
      if (mode === 'burst') drainer.start();
      // Polling the log is cheap; counting events every 100 ms would cost the database a share of its time.
      await waitFor('applied', async () => (await t.platform.ingestLog!.backlog()) === 0, 3_600_000);
      const applyMs = performance.now() - (mode === 'burst' ? drainStart : start);
      await drainer.stop();
      if ((await stored()) !== total + BATCH) throw new Error(`applied ${await stored()} events, expected ${total + BATCH}`);
      const customers = (await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE merged_into IS NULL`)).rows[0].n;
      rows.push({
        engine: `postgres + log (${mode})`, events: total, batch: BATCH, clients, profiles: customers,
        'http s': seconds(load.ms), 'events/s': Math.round(total / (load.ms / 1000)),
        'applied s': seconds(applyMs), 'applied/s': Math.round(total / (applyMs / 1000)),
      });
    } finally {
      await t.close();
      await deleteStream(stream);
    }
  }
  return rows;
}
