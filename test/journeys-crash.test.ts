// kill -9 during a journey run and a broadcast to thousands of customers: after each restart the workers pick up
// where the database says, every customer finishes, the broadcast completes, and no message is written or
// delivered twice or lost.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from './helpers/platform.ts';
import { freePort, kill9, processEnv, siyu, startServer } from './helpers/process.ts';
import { openDb } from '../src/kernel/db.ts';

const CUSTOMERS = 1500;

async function query(env: NodeJS.ProcessEnv, sql: string) {
  const db = env.DATABASE_URL ? await openDb({ databaseUrl: env.DATABASE_URL, poolSize: 1 }) : await openDb({ dataDir: env.SIYU_DATA_DIR });
  try {
    return (await db.query<any>(sql)).rows[0];
  } finally {
    await db.close();
  }
}

for (const engine of ENGINES) {
  describe(`journey and broadcast crash safety (${engine})`, () => {
    it('kill -9 at random points mid-run: everyone finishes, every message exactly once', async () => {
      const pe = await processEnv(engine);
      try {
        const ws = JSON.parse(siyu(pe.env, ['workspace', 'create', 'Crash journeys', '--json']).trim().split('\n').pop()!);
        const port = await freePort();
        const base = `http://127.0.0.1:${port}`;
        let server = await startServer(pe.env, port);
        const api = async (method: string, p: string, body?: unknown) => {
          const r = await fetch(base + p, { method, headers: { authorization: `Bearer ${ws.secretKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
          const json = await r.json().catch(() => null);
          assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
          return json;
        };
        await api('PUT', '/v1/channels/inbox', { kind: 'inbox' });
        await api('PUT', '/v1/messaging/policy', { quietHours: null, frequencyCaps: [], consentDefault: 'opt_out' });
        await api('POST', '/v1/templates', { key: 'hello', name: 'hello', channel: 'inbox', body: '你好 {{ event.n }}' });
        await api('POST', '/v1/templates', { key: 'again', name: 'again', channel: 'inbox', body: '再见 {{ event.n }}' });
        await api('POST', '/v1/templates', { key: 'promo', name: 'promo', channel: 'inbox', body: '大促 {{ customer.id }}' });
        const j = await api('POST', '/v1/journeys', { name: 'crash', definition: {
          trigger: { type: 'event', event: 'joined' }, start: 'a',
          nodes: { a: { type: 'send', channel: 'inbox', template: 'hello', next: 'w' }, w: { type: 'wait', duration: { minutes: 0 }, next: 'b' }, b: { type: 'send', channel: 'inbox', template: 'again' } },
        } });
        await api('POST', `/v1/journeys/${j.id}/publish`);

        const auth = `Basic ${Buffer.from(`${ws.writeKey}:`).toString('base64')}`;
        for (let b = 0; b < CUSTOMERS; b += 250) {
          const batch = Array.from({ length: 250 }, (_, i) => ({ type: 'track', event: 'joined', userId: `c-${b + i}`, messageId: `joined-${b + i}`, properties: { n: b + i } }));
          const r = await fetch(`${base}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
          assert.equal(r.status, 200);
        }
        // A broadcast to everyone, started while the journey runs.
        await api('POST', '/v1/segments', { key: 'everyone', name: 'everyone', rule: { field: 'first_seen_at', op: 'exists' } });
        const until = Date.now() + 60_000;
        while ((await api('GET', '/v1/segments')).segments[0].size < CUSTOMERS && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
        const b = await api('POST', '/v1/broadcasts', { name: 'crash', channel: 'inbox', template: 'promo', segment: 'everyone', ratePerMinute: 120_000 });
        // Three crashes at random moments while the workers and the dispatcher are busy.
        for (let crash = 0; crash < 3; crash++) {
          await new Promise((r) => setTimeout(r, 150 + Math.random() * 900));
          await kill9(server);
          server = await startServer(pe.env, port);
        }
        const deadline = Date.now() + 240_000;
        let state: any;
        for (;;) {
          state = await api('GET', `/v1/journeys/${j.id}/stats`);
          const bc = await api('GET', `/v1/broadcasts/${b.id}`);
          if ((state.completed === CUSTOMERS && (state.messages.queued ?? 0) === 0 && bc.broadcast.status === 'completed' && bc.messages.queued === 0) || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        await kill9(server);
        assert.equal(state.entered, CUSTOMERS, 'every acknowledged event entered exactly one customer');
        assert.equal(state.completed, CUSTOMERS);
        const counts = await query(pe.env, `SELECT count(*)::int AS delivered, count(DISTINCT (customer_id, body))::int AS distinct_messages,
            (SELECT count(*)::int FROM outbox WHERE status = 'sent') AS sent, (SELECT count(*)::int FROM outbox) AS outbox FROM inbox_messages`);
        // Two journey messages and one broadcast message per customer, each written once and delivered once.
        assert.deepEqual(counts, { delivered: 3 * CUSTOMERS, distinct_messages: 3 * CUSTOMERS, sent: 3 * CUSTOMERS, outbox: 3 * CUSTOMERS });
      } finally {
        await pe.cleanup();
      }
    });
  });
}
