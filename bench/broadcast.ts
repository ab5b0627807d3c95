// Broadcasts and trigger latency:
//  broadcast — N customers (names sealed with the PII key, as in production) in one segment; a broadcast renders a
//              personalised template with a tracked link for each and puts it through the send gate (consent,
//              caps, quiet hours, quota) into the outbox; then the dispatcher hands the messages to a webhook
//              provider (a local HTTP receiver) at the channel's rate limit, which must hold.
//  latency   — with the workers running on the real clock: a tracked event (HTTP) → the journey inbox → the journey
//              run → the message in the outbox, p50 / p99 over a stream of events.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlatform, type Engine, type TestPlatform } from '../test/helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { allocateCustomerIds } from '../src/identity/customer-ids.ts';
import { percentile, report, seconds, type Row } from './lib.ts';

const CHUNK = 20_000;

async function seedAudience(t: TestPlatform, n: number) {
  const ws = t.ws.id;
  const { ctx } = t.platform;
  const ids = await allocateCustomerIds(ctx.db, ws, n);
  const seg = await t.api('POST', '/v1/segments', { key: 'everyone', name: '全体', rule: { field: 'traits.bench', op: 'eq', value: 'yes' }, realtime: false });
  if (seg.status !== 201) throw new Error(JSON.stringify(seg.body));
  const { rows } = await ctx.db.query<{ id: number }>(`SELECT id FROM segments WHERE workspace_id = $1 AND key = 'everyone'`, [ws]);
  const segmentId = rows[0].id;
  for (let i = 0; i < n; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const pii = chunk.map((id) => JSON.stringify({ name: ctx.pii.encrypt(`客户${id}`) }));
    await withTenant(ctx.db, ws, async (tx) => {
      await tx.query(`INSERT INTO customers (workspace_id, id, canonical_id, is_anonymous, pii, traits, first_seen_at, last_seen_at)
                      SELECT $1, u.id, u.id, false, u.pii, '{"bench":"yes"}', now(), now() FROM unnest($2::bigint[], $3::jsonb[]) AS u(id, pii)`, [ws, chunk, pii]);
      await tx.query(`INSERT INTO segment_members (workspace_id, segment_id, customer_id, since) SELECT $1, $2, u, now() FROM unnest($3::bigint[]) u`, [ws, segmentId, chunk]);
    });
    process.stderr.write(`\r  audience ${(i + chunk.length).toLocaleString()} / ${n.toLocaleString()}`);
  }
  process.stderr.write('\n');
  await ctx.db.query('ANALYZE');
}

async function receiver() {
  let received = 0;
  const perSecond = new Map<number, number>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      const s = Math.floor(Date.now() / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    peakPerSecond: () => Math.max(0, ...perSecond.values()),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export async function benchBroadcast(engines: Engine[], opts: { customers: Record<Engine, number>; rate: number; latencySamples: number }) {
  const rows: Row[] = [];
  for (const engine of engines) {
    const n = opts.customers[engine];
    const hook = await receiver();
    const t = await startPlatform(engine, { runImports: false, config: { allowPrivateOutbound: true } });
    try {
      await t.api('PUT', '/v1/messaging/policy', { quietHours: null, consentDefault: 'opt_out' }); // default caps stay on
      await t.api('PUT', '/v1/channels/webhook', { kind: 'webhook', config: { url: hook.url }, secret: 'bench-signing-secret-0123', ratePerSecond: opts.rate });
      await t.api('POST', '/v1/templates', { key: 'promo', name: '大促', channel: 'webhook', body: '{{ customer.name }}，双11会员专享价已开启 {{ "https://shop.example/1111" | track }}' });
      await seedAudience(t, n);
      t.platform.upkeep.start(); // as in siyu start: table statistics kept current where no autovacuum runs
      const created = await t.api('POST', '/v1/broadcasts', { name: 'bench', channel: 'webhook', template: 'promo', segment: 'everyone', ratePerMinute: 1_000_000 });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      // Render + gate + outbox: the broadcast worker as fast as its throttle allows (1M a minute).
      const s0 = performance.now();
      while (await t.platform.broadcasts.runWorkspace(t.ws.id)) {}
      const enqueueMs = performance.now() - s0;
      const p = (await t.api('GET', `/v1/broadcasts/${created.body.id}`)).body;
      // Hand over to the provider at the channel's rate.
      const s1 = performance.now();
      while (hook.received() < p.messages.queued) {
        if (!(await t.platform.dispatcher.runOnce())) await new Promise((r) => setTimeout(r, 50));
      }
      const sendMs = performance.now() - s1;
      rows.push({
        engine, customers: n, 'queued': p.messages.queued, 'suppressed': p.messages.suppressed,
        'render+gate+outbox s': seconds(enqueueMs), 'messages/s into outbox': Math.round(p.messages.queued / (enqueueMs / 1000)),
        'rate limit /s': opts.rate, 'handed to provider s': seconds(sendMs), 'delivered/s': Math.round(hook.received() / (sendMs / 1000)), 'peak 1s': hook.peakPerSecond(),
      });
    } finally {
      await t.close();
      await hook.close();
    }
  }
  report('broadcast', rows, { note: 'Personalised Liquid template (decrypted name + tracked link) per recipient; send gate with the default frequency caps; webhook provider to a local HTTP receiver (HMAC-signed); dispatcher in the same process; "peak 1s" is the most messages the receiver got in one wall-clock second (must not exceed the limit by more than one batch boundary).' });

  const lat: Row[] = [];
  for (const engine of engines) {
    const t = await startPlatform(engine, {});
    try {
      await t.api('PUT', '/v1/messaging/policy', { quietHours: null, consentDefault: 'opt_out', frequencyCaps: [] });
      await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox', ratePerSecond: 100_000 });
      await t.api('POST', '/v1/templates', { key: 'ping', name: 'ping', channel: 'inbox', body: '{{ customer.name }} {{ event.n }}' });
      const j = await t.api('POST', '/v1/journeys', { name: 'latency', definition: { trigger: { type: 'event', event: 'bench_ping' }, start: 's', reentry: 'always', nodes: { s: { type: 'send', channel: 'inbox', template: 'ping' } } } });
      await t.api('POST', `/v1/journeys/${j.body.id}/publish`);
      const sentAt = new Map<string, number>();
      for (let i = 0; i < opts.latencySamples; i++) {
        sentAt.set(String(i), Date.now());
        const r = await t.track('/v1/track', { userId: `lat-${i % 50}`, event: 'bench_ping', messageId: `lat-${i}`, properties: { n: i } });
        if (r.status !== 200) throw new Error(JSON.stringify(r.body));
        await new Promise((res) => setTimeout(res, 20));
      }
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const { rows: done } = await t.platform.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE source_type = 'journey'`);
        if (done[0].n >= opts.latencySamples) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      // From the moment the event is sent to the outbox row's time (the journey batch's clock reading).
      const { rows: withN } = await t.platform.ctx.db.query<{ n: string; at: Date }>(
        `SELECT r.context->'properties'->>'n' AS n, o.created_at AS at FROM outbox o JOIN journey_runs r ON o.idem_key LIKE 'j:' || r.id || ':%' WHERE o.source_type = 'journey'`);
      const ms = withN.map((r) => new Date(r.at).getTime() - sentAt.get(r.n)!).filter(Number.isFinite).sort((a, b) => a - b);
      lat.push({ engine, events: opts.latencySamples, 'in outbox': withN.length, 'p50 ms': Math.round(percentile(ms, 50)), 'p99 ms': Math.round(percentile(ms, 99)), 'max ms': Math.round(ms[ms.length - 1] ?? NaN) });
    } finally {
      await t.close();
    }
  }
  report('journey-trigger-latency', lat, { note: 'POST /v1/track sent → events trigger copies it into journey_inbox in the same transaction → journey worker (woken by the ingest) enters the customer and runs the send → outbox row; one event every 20 ms' });
}
