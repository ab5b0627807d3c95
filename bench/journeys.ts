// Journeys under load:
//  throughput — 100,000 customers in flight through send (inbox) → wait → tag → send: steps executed per second by
//               one worker process, then the dispatcher's delivery rate for the messages it produced.
//  lateness   — 20,000 timers due over the next 20 s with the worker polling on the real clock: how late each
//               customer's step ran after its due time (p50 / p99 / max).
import { startPlatform, type Engine, type TestPlatform } from '../test/helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { allocateCustomerIds } from '../src/identity/customer-ids.ts';
import { percentile, report, seconds } from './lib.ts';

async function setUp(t: TestPlatform) {
  await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox', ratePerSecond: 100_000 });
  await t.api('PUT', '/v1/messaging/policy', { quietHours: null, frequencyCaps: [], consentDefault: 'opt_out' });
  await t.api('POST', '/v1/tags', { key: 'nurtured', name: '培育中', tier: 'behavior', kind: 'manual' });
  await t.api('POST', '/v1/templates', { key: 'hi', name: 'hi', channel: 'inbox', body: '{{ customer.name }}你好，新品上架' });
  const j = await t.api('POST', '/v1/journeys', { name: 'bench', definition: {
    trigger: { type: 'event', event: 'bench_joined' }, start: 'a',
    nodes: { a: { type: 'send', channel: 'inbox', template: 'hi', next: 'w' }, w: { type: 'wait', duration: { minutes: 0 }, next: 't' },
      t: { type: 'tag', tag: 'nurtured', next: 'b' }, b: { type: 'send', channel: 'inbox', template: 'hi' } },
  } });
  await t.api('POST', `/v1/journeys/${j.body.id}/publish`);
  return j.body.id as number;
}

async function seedRuns(t: TestPlatform, journeyId: number, n: number, node: string, due: (i: number) => Date) {
  const ws = t.ws.id;
  const ids = await allocateCustomerIds(t.platform.ctx.db, ws, n);
  for (let i = 0; i < n; i += 20_000) {
    const chunk = ids.slice(i, i + 20_000);
    await withTenant(t.platform.ctx.db, ws, async (tx) => {
      await tx.query(`INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous) SELECT $1, u, u, false FROM unnest($2::bigint[]) u`, [ws, chunk]);
      await tx.query(
        `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, node, status, due_at, context, entered_at, updated_at)
         SELECT $1, $2, 1, u.id, $3, 'active', u.due, jsonb_build_object('due', u.due), now(), now() FROM unnest($4::bigint[], $5::timestamptz[]) AS u(id, due)`,
        [ws, journeyId, node, chunk, chunk.map((_, k) => due(i + k))]);
    });
  }
}

export async function benchJourneys(engines: Engine[], opts: { inFlight: number; timers: number }) {
  const rows = [];
  const notes: Record<string, unknown> = {};
  for (const engine of engines) {
    const t = await startPlatform(engine, { runImports: false });
    try {
      const journeyId = await setUp(t);
      await seedRuns(t, journeyId, opts.inFlight, 'a', () => new Date(Date.now() - 1000));
      const started = performance.now();
      const before = t.platform.journeys.steps;
      while (await t.platform.journeys.runWorkspace(t.ws.id)) {}
      const ms = performance.now() - started;
      const steps = t.platform.journeys.steps - before;
      const sendStart = performance.now();
      while (await t.platform.dispatcher.runOnce()) {}
      const sendMs = performance.now() - sendStart;
      const delivered = (await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox_messages`)).rows[0].n;

      // Timer lateness on the real clock with the worker's own polling.
      await t.platform.ctx.db.query(`DELETE FROM journey_runs`);
      const base = Date.now() + 2000;
      await seedRuns(t, journeyId, opts.timers, 't', (i) => new Date(base + (i / opts.timers) * 20_000));
      t.platform.journeys.start();
      const deadline = Date.now() + 120_000;
      for (;;) {
        const { rows: left } = await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_runs WHERE status = 'active' AND node = 't'`);
        if (left[0].n === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await t.platform.journeys.stop();
      const { rows: late } = await t.platform.ctx.db.query<{ ms: number }>(
        `SELECT extract(epoch FROM (updated_at - (context->>'due')::timestamptz)) * 1000 AS ms FROM journey_runs WHERE node <> 't' OR status <> 'active'`);
      const lateness = late.map((r) => Number(r.ms)).sort((a, b) => a - b);
      rows.push({
        engine, 'customers in flight': opts.inFlight, steps, 'seconds': seconds(ms), 'steps/s': Math.round(steps / (ms / 1000)),
        'messages delivered': delivered, 'deliveries/s': Math.round(delivered / (sendMs / 1000)),
        'timers': lateness.length, 'lateness p50 ms': Math.round(percentile(lateness, 50)), 'lateness p99 ms': Math.round(percentile(lateness, 99)), 'lateness max ms': Math.round(lateness[lateness.length - 1] ?? NaN),
      });
    } finally {
      await t.close();
    }
  }
  notes.journey = 'send (inbox) → wait 0 → tag → send, one worker process; steps counted per node executed';
  report('journeys', rows, notes);
}
