// The ingest log (SIYU_INGEST_BUFFER): tracking requests acknowledged once the real NATS JetStream server holds them,
// applied to PostgreSQL by the applier. Crash safety across processes is in crash.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';
import pg from 'pg';
import { BufferApplier } from '../src/ingest/buffer/applier.ts';
import { IngestLog } from '../src/ingest/buffer/ingest-log.ts';
import { deleteStream, NATS_URL } from './helpers/nats.ts';


describe('ingest log over NATS JetStream (postgres)', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  const stream = `SIYU_T_${crypto.randomBytes(4).toString('hex')}`;
  let t: TestPlatform;
  // This process only acknowledges; the test starts appliers itself, so it can look at the log in between.
  before(async () => (t = await startPlatform('postgres', { config: { ingestBuffer: NATS_URL, ingestStream: stream, ingestAppliers: 0 } })));
  after(async () => {
    await t.close();
    await deleteStream(stream);
  });

  const count = async (sql: string, params: unknown[] = []) => (await t.platform.ctx.db.query<{ n: number }>(sql, params)).rows[0].n;
  const applier = (retryDelayMs = 2_000) => {
    const a = new BufferApplier(t.platform.ctx, t.platform.ingestLog!, { loops: 2, retryDelayMs });
    a.start();
    return a;
  };

  it('answers queued per item, keeps PII sealed in the log, then applies exactly once', async () => {
    const sentAt = new Date(Date.now() + 3_600_000).toISOString(); // the client's clock runs an hour fast
    const batch = {
      sentAt,
      batch: [
        { type: 'identify', userId: 'buf-u1', anonymousId: 'buf-d1', messageId: 'buf-1', traits: { name: '李雷', phone: '13811112222' } },
        { type: 'track', anonymousId: 'buf-d1', event: 'Product Viewed', messageId: 'buf-2', timestamp: new Date(Date.now() + 3_600_000 - 60_000).toISOString() },
        { type: 'track', userId: 'buf-u2', event: 'Order Completed' },
        { type: 'track', userId: 'buf-u3' },
        { type: 'page', userId: 'null', messageId: 'buf-junk' },
      ],
    };
    const res = await t.track('/v1/batch', batch);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results.map((r: any) => r.status), ['queued', 'queued', 'queued', 'rejected', 'rejected']);
    assert.equal(res.body.results[3].errors[0].field, 'batch.3.event');
    assert.equal(res.body.results[4].errors[0].field, 'userId', 'a junk id is refused before it is stored');
    const generated = res.body.results[2].messageId;
    assert.match(generated, /^gen-/, 'a message without messageId gets one before it is stored');

    const backlog = await t.platform.ingestLog!.backlog();
    assert.equal(backlog, 1, 'one entry waits in the log');
    const status = (await t.api('GET', '/v1/ingest/log')).body;
    assert.deepEqual([status.enabled, status.backlog, status.deadLetters], [true, 1, []], 'operators see the workspace waiting on the log');
    assert.equal(await count(`SELECT count(*)::int AS n FROM events`), 0, 'nothing is applied while no applier runs');
    const raw = await rawEntries(stream);
    assert.equal(raw.length, 1);
    assert.ok(!raw[0].includes(Buffer.from('13811112222')) && !raw[0].includes(Buffer.from('李雷')) && !raw[0].includes(Buffer.from('buf-u1')), 'the log holds the entry sealed');

    const a = applier();
    try {
      await waitFor('applied', async () => (await count(`SELECT count(*)::int AS n FROM events`)) === 3);
      // The same request again (an SDK retry) is queued again and stores nothing new.
      assert.equal((await t.track('/v1/batch', batch)).status, 200);
      await waitFor('drained', async () => (await t.platform.ingestLog!.backlog()) === 0);
    } finally {
      await a.stop();
    }
    assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'buf-%'`), 2, 'the retry stored no message twice');
    // A message sent without a messageId cannot be recognised when retried (SDKs always send one): it is new each time.
    assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'gen-%'`), 2);
    assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id = $1`, [generated]), 1);
    const customers = (await t.api('GET', '/v1/customers?q=13811112222')).body.customers;
    assert.equal(customers.length, 1, 'identify resolved to one profile');
    const c = (await t.api('GET', `/v1/customers/${customers[0].id}`)).body;
    assert.equal(c.pii.phone, '138****2222');
    const viewed = (await t.platform.ctx.db.query<{ ts: Date; received_at: Date }>(`SELECT ts, received_at FROM events WHERE message_id = 'buf-2'`)).rows[0];
    const skewCorrected = Math.abs(viewed.ts.getTime() - (viewed.received_at.getTime() - 60_000));
    assert.ok(skewCorrected < 5_000, `the timestamp is corrected by the batch's clock skew (off by ${skewCorrected} ms)`);
  });

  it('queues a single call too, and refuses one without a usable identifier at once', async () => {
    const ok = await t.track('/v1/track', { userId: 'buf-single', event: 'Signed Up', messageId: 'buf-single-1' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.results[0].status, 'queued');
    const bad = await t.track('/v1/track', { userId: 'undefined', event: 'Signed Up' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /userId/);
  });

  it('splits a request larger than an entry may be, and refuses only a message that cannot fit', async () => {
    const filler = 'x'.repeat(400_000);
    const batch = [0, 1, 2].map((i) => ({ type: 'track', userId: 'buf-big', event: 'Big', messageId: `buf-big-${i}`, properties: { filler } }));
    batch.push({ type: 'track', userId: 'buf-big', event: 'Huge', messageId: 'buf-huge', properties: { filler: filler.repeat(3) } });
    const res = await t.track('/v1/batch', { batch });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results.map((r: any) => r.status), ['queued', 'queued', 'queued', 'rejected']);
    assert.match(res.body.results[3].errors[0].message, /entry limit/);
    assert.ok((await t.platform.ingestLog!.backlog()) >= 2, 'the request was stored as several entries');
    const a = applier();
    try {
      await waitFor('drained', async () => (await t.platform.ingestLog!.backlog()) === 0);
    } finally {
      await a.stop();
    }
    assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'buf-big-%' AND length(properties->>'filler') = 400000`), 3);
  });

  it('an entry that keeps failing is set aside after retries without holding back the entries applied with it', async () => {
    const before = await count(`SELECT count(*)::int AS n FROM events`);
    // Stored through the log directly: a well-formed entry whose timestamp PostgreSQL refuses, beside a good one.
    const log = t.platform.ingestLog!;
    const now = new Date();
    await log.append(t.ws.id, now, [{ index: 0, message: { type: 'track', userId: 'buf-poison', event: 'X', messageId: 'buf-poison-1', timestamp: 'not a time' } as any }]);
    await log.append(t.ws.id, now, [{ index: 0, message: { type: 'track', userId: 'buf-good', event: 'Y', messageId: 'buf-good-1' } }]);
    const a = applier(20);
    try {
      await waitFor('dead letter', async () => (await count(`SELECT count(*)::int AS n FROM ingest_dead_letters`)) === 1);
      await waitFor('drained', async () => (await log.backlog()) === 0);
    } finally {
      await a.stop();
    }
    const dead = (await t.platform.ctx.db.query(`SELECT workspace_id, entry, error, deliveries FROM ingest_dead_letters`)).rows[0];
    assert.equal(dead.workspace_id, t.ws.id);
    assert.equal(dead.deliveries, 5);
    assert.match(dead.error, /timestamp|time|date/i);
    assert.match(t.platform.ctx.pii.openBytes(dead.entry).toString('utf8'), /buf-poison-1/, 'the entry is kept, sealed, for replay');

    // Operators see it, and replaying puts the same sealed entry back into the log (no applier runs now).
    const seen = (await t.api('GET', '/v1/ingest/log')).body;
    assert.equal(seen.backlog, 0);
    assert.equal(seen.deadLetters.length, 1);
    assert.equal(seen.deadLetters[0].messages, 1);
    assert.equal(seen.deadLetters[0].deliveries, 5);
    const id = seen.deadLetters[0].id;
    assert.equal((await t.api('POST', `/v1/ingest/dead-letters/${id}/replay`)).status, 200);
    const after = (await t.api('GET', '/v1/ingest/log')).body;
    assert.deepEqual([after.backlog, after.deadLetters.length], [1, 0]);
    const raw = await rawEntries(stream);
    assert.ok(raw.at(-1)!.equals(dead.entry), 'the log holds the entry exactly as it was set aside');
    assert.equal((await t.api('POST', `/v1/ingest/dead-letters/${id}/replay`)).status, 404);
    const audited = await count(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'ingest.dead_letter.replay' AND target_id = $1`, [String(id)]);
    assert.equal(audited, 1, 'the replay is in the audit log');
    assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id = 'buf-good-1'`), 1, 'the good entry is applied');
    assert.equal(await count(`SELECT count(*)::int AS n FROM events`), before + 1);
  });

  it('keeps an entry whose transaction outlasts the acknowledgement deadline, and takes a new deadline on an old stream', async () => {
    // A log of its own with a 1 s deadline; the applier's transaction is held up for 3.5 s by a table lock.
    const slowStream = `${stream}_SLOW`;
    const first = await IngestLog.open(NATS_URL, slowStream, t.platform.ctx.pii, { ackWaitMs: 60_000 });
    await first.close();
    const log = await IngestLog.open(NATS_URL, slowStream, t.platform.ctx.pii, { ackWaitMs: 1_000 });
    const nc = await connect({ servers: NATS_URL });
    const locker = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await locker.connect();
    const a = new BufferApplier(t.platform.ctx, log, { loops: 1 });
    try {
      const jsm = await jetstreamManager(nc);
      assert.equal((await jsm.consumers.info(slowStream, 'applier')).config.ack_wait, 1_000_000_000, 'the existing consumer took the new deadline');
      await locker.query(`BEGIN; LOCK TABLE ${t.schema}.events IN EXCLUSIVE MODE`);
      await log.append(t.ws.id, new Date(), [{ index: 0, message: { type: 'track', userId: 'buf-slow', event: 'Slow', messageId: 'buf-slow-1' } }]);
      a.start();
      await new Promise((r) => setTimeout(r, 3_500));
      await locker.query('COMMIT');
      await waitFor('applied', async () => (await log.backlog()) === 0);
      // Every hand-out, redeliveries included, advances the consumer's sequence: one entry handed out once is 1.
      assert.equal((await jsm.consumers.info(slowStream, 'applier')).delivered.consumer_seq, 1, 'the entry was never handed out again');
      assert.equal(await count(`SELECT count(*)::int AS n FROM events WHERE message_id = 'buf-slow-1'`), 1);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      await locker.end();
      await a.stop();
      await log.close();
      await nc.close();
      await deleteStream(slowStream);
    }
  });

  it('answers 503 when the log cannot be reached', async () => {
    await t.platform.ingestLog!.close();
    const res = await t.track('/v1/batch', { batch: [{ type: 'track', userId: 'buf-late', event: 'Z' }] });
    assert.equal(res.status, 503);
    assert.match(res.body.error.message, /retry/);
  });
});

/** The stored bytes of every entry in the stream, as NATS holds them. */
async function rawEntries(stream: string): Promise<Buffer[]> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const out: Buffer[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m) out.push(Buffer.from(m.data));
    }
    return out;
  } finally {
    await nc.close();
  }
}
