// The Segment-compatible tracking API over real HTTP, on each storage engine.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';

for (const engine of ENGINES) {
  describe(`tracking API (${engine})`, () => {
    let t: TestPlatform;
    before(async () => (t = await startPlatform(engine)));
    after(async () => t.close());

    it('accepts every Segment call type and stitches anonymous activity to the person who identifies', async () => {
      const anon = 'device-aaa';
      for (const [path, body] of [
        ['/v1/page', { anonymousId: anon, name: '首页', messageId: 'm-page' }],
        ['/v1/track', { anonymousId: anon, event: 'Product Viewed', properties: { sku: 'A1' }, messageId: 'm-track' }],
        ['/v1/identify', { userId: 'u-1', anonymousId: anon, traits: { name: '王小明', phone: '13912345678', city: '上海' }, messageId: 'm-identify' }],
        ['/v1/screen', { userId: 'u-1', name: 'Cart', messageId: 'm-screen' }],
        ['/v1/group', { userId: 'u-1', groupId: 'company-9', traits: { name: 'ACME' }, messageId: 'm-group' }],
        ['/v1/alias', { userId: 'u-1', previousId: 'old-device-1', messageId: 'm-alias' }],
      ] as const) {
        const res = await t.track(path, body);
        assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.results[0].status, 'accepted');
      }
      const customers = (await t.api('GET', '/v1/customers?q=13912345678')).body.customers;
      assert.equal(customers.length, 1);
      const c = (await t.api('GET', `/v1/customers/${customers[0].id}`)).body;
      assert.equal(c.pii.phone, '139****5678', 'PII is masked by default');
      assert.equal(c.attributes.city, '上海');
      const types = c.identities.map((i: any) => i.type).sort();
      assert.deepEqual(types, ['anonymous_id', 'anonymous_id', 'phone', 'user_id']);
      const tl = (await t.api('GET', `/v1/customers/${c.id}/timeline`)).body.entries;
      assert.equal(tl.filter((e: any) => e.kind === 'event').length, 6, 'all six calls are in one timeline');
    });

    it('answers a batch per item and stores a retried batch only once', async () => {
      const batch = {
        batch: [
          { type: 'track', userId: 'u-b1', event: 'A', messageId: 'b-1' },
          { type: 'track', userId: 'u-b1', messageId: 'b-2' },
          { type: 'identify', traits: { name: 'x' }, messageId: 'b-3' },
          { type: 'nonsense', userId: 'u-b1', messageId: 'b-4' },
          { type: 'track', userId: 'u-b2', event: 'B', messageId: 'b-5' },
          { type: 'track', userId: 'null', event: 'C', messageId: 'b-6' },
        ],
      };
      const first = await t.track('/v1/batch', batch);
      assert.equal(first.status, 200);
      const statuses = first.body.results.map((r: any) => r.status);
      assert.deepEqual(statuses, ['accepted', 'rejected', 'rejected', 'rejected', 'accepted', 'rejected']);
      assert.equal(first.body.results[1].errors[0].field, 'batch.1.event');
      assert.match(first.body.results[2].errors[0].message, /userId or anonymousId/);
      assert.equal(first.body.results[3].errors[0].field, 'batch.3.type');
      assert.match(first.body.results[5].errors[0].message, /placeholder/);

      const retry = await t.track('/v1/batch', batch);
      assert.deepEqual(retry.body.results.map((r: any) => r.status), ['duplicate', 'rejected', 'rejected', 'rejected', 'duplicate', 'rejected']);
      const { rows } = await t.platform.ctx.db.query(`SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'b-%'`);
      assert.equal(rows[0].n, 2);
    });

    it('corrects client clock skew with sentAt', async () => {
      // The client's clock runs 1 hour fast: it says it sent at 11:00 while the server received at ~now.
      const now = Date.now();
      const skew = 3600_000;
      const res = await t.track('/v1/batch', {
        sentAt: new Date(now + skew).toISOString(),
        batch: [{ type: 'track', userId: 'skewed', event: 'Skew', messageId: 'skew-1', timestamp: new Date(now + skew - 60_000).toISOString() }],
      });
      assert.equal(res.status, 200);
      const { rows } = await t.platform.ctx.db.query(`SELECT ts, original_ts FROM events WHERE message_id = 'skew-1'`);
      const corrected = new Date(rows[0].ts).getTime();
      assert.ok(Math.abs(corrected - (now - 60_000)) < 5000, `expected ~1 minute ago, got ${new Date(corrected).toISOString()}`);
      assert.equal(new Date(rows[0].original_ts).getTime(), now + skew - 60_000);
    });

    it('tells the change feed which profiles got new PII, so matching skips page views', async () => {
      const heard: { customerIds: number[]; piiChanged?: number[] }[] = [];
      const listen = (c: { customerIds: number[]; piiChanged?: number[] }) => heard.push(c);
      t.platform.ctx.changes.on('customers', listen);
      try {
        const viewed = await t.track('/v1/track', { userId: 'feed-1', event: 'Page Viewed', messageId: 'feed-view' });
        const who = viewed.body.results[0].customerId;
        const told = await t.track('/v1/identify', { userId: 'feed-1', traits: { phone: '13700001111', city: '杭州' }, messageId: 'feed-id' });
        const learnt = await t.track('/v1/track', { userId: 'feed-2', event: 'Signed Up', context: { traits: { email: 'feed2@example.com' } }, messageId: 'feed-mail' });
        const [view, identify, contact] = heard.filter((c) => c.customerIds.includes(who) || c.customerIds.includes(learnt.body.results[0].customerId));
        assert.deepEqual(view, { workspaceId: t.ws.id, customerIds: [who], piiChanged: [] }, 'a page view changes no PII');
        assert.equal(told.body.results[0].customerId, who);
        assert.deepEqual(identify.piiChanged, [who], 'identify traits with a phone change PII');
        assert.deepEqual(contact.piiChanged, [learnt.body.results[0].customerId], 'an email learnt as an identifier fills the contact field');
      } finally {
        t.platform.ctx.changes.off('customers', listen);
      }
    });

    it('an identify repeating what the profile holds rewrites nothing; a changed phone is written once, last value wins', async () => {
      const traits = { name: '陈静', phone: '13600002222', city: '成都' };
      const first = await t.track('/v1/identify', { userId: 'same-1', traits, messageId: 'same-a' });
      const who = first.body.results[0].customerId;
      const row = async () => (await t.platform.ctx.db.query(`SELECT pii, traits, updated_at FROM customers WHERE id = $1`, [who])).rows[0];
      const before = await row();
      const heard: { customerIds: number[]; piiChanged?: number[] }[] = [];
      const listen = (c: { customerIds: number[]; piiChanged?: number[] }) => heard.push(c);
      t.platform.ctx.changes.on('customers', listen);
      try {
        const again = await t.track('/v1/identify', { userId: 'same-1', traits: { ...traits, phone: '136 0000 2222' }, messageId: 'same-b' });
        assert.equal(again.body.results[0].status, 'accepted');
        const after = await row();
        assert.deepEqual(after.pii, before.pii, 'the sealed values are the very same ciphertexts');
        assert.equal(after.updated_at.getTime(), before.updated_at.getTime(), 'the row was not rewritten');
        assert.deepEqual(heard.at(-1)!.piiChanged, [], 'matching is not asked to look again');

        // In one batch the phone changes and changes back: the stored value already is the last one.
        const batch = await t.track('/v1/batch', {
          batch: [
            { type: 'identify', userId: 'same-1', traits: { phone: '13600003333' }, messageId: 'same-c' },
            { type: 'identify', userId: 'same-1', traits: { phone: '13600002222', city: '重庆' }, messageId: 'same-d' },
          ],
        });
        assert.deepEqual(batch.body.results.map((r: any) => r.status), ['accepted', 'accepted']);
        const moved = await row();
        assert.equal(moved.pii.phone, before.pii.phone);
        assert.equal(moved.traits.city, '重庆', 'a changed attribute is written');
        assert.deepEqual(heard.at(-1)!.piiChanged, []);

        await t.track('/v1/identify', { userId: 'same-1', traits: { phone: '13600004444' }, messageId: 'same-e' });
        assert.notEqual((await row()).pii.phone, before.pii.phone);
        assert.deepEqual(heard.at(-1)!.piiChanged, [who], 'a new phone is a PII change');
        const shown = (await t.api('GET', `/v1/customers/${who}`)).body;
        assert.equal(shown.pii.phone, '136****4444');
      } finally {
        t.platform.ctx.changes.off('customers', listen);
      }
    });

    it('refuses text PostgreSQL cannot store (NUL, a broken surrogate) for that item alone, naming the field', async () => {
      const res = await t.track('/v1/batch', {
        batch: [
          { type: 'track', userId: 'nul-ok', event: 'Fine', messageId: 'nul-ok' },
          { type: 'track', userId: 'nul-1', event: 'Searched', properties: { query: 'a\u0000b' }, messageId: 'nul-1' },
          { type: 'track', userId: 'nul-2', event: 'Searched', properties: { ['k\ud800']: 1 }, messageId: 'nul-2' },
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: any) => r.status), ['accepted', 'rejected', 'rejected']);
      assert.equal(res.body.results[1].errors[0].field, 'batch.1.properties.query');
      assert.equal(res.body.results[2].errors[0].field, 'batch.2.properties.k\ud800');
      const single = await t.track('/v1/track', { userId: 'nul-3', event: 'Bad\u0000', messageId: 'nul-3' });
      assert.equal(single.status, 400);
      assert.match(single.body.error.message, /^body\.event: contains a NUL character/);
      const orders = await t.track('/v1/orders/batch', { orders: [{ order_id: 'NUL-1', user_id: 'nul-4', amount: 100, placed_at: new Date().toISOString(), items: [], store: 'S\u0000' }] });
      assert.equal(orders.status, 200);
      assert.equal(orders.body.results[0].status, 'rejected');
      assert.equal(orders.body.results[0].errors[0].field, 'orders.0.store');
      const manage = await t.api('POST', '/v1/tags', { key: 'nul', name: 'a\u0000' });
      assert.equal(manage.status, 400);
      assert.equal(manage.body.error.problems[0].field, 'body.name');
    });

    it('refuses a timestamp the database cannot store, and ignores a sentAt that would move an event out of range', async () => {
      const res = await t.track('/v1/batch', {
        batch: [
          { type: 'track', userId: 'epoch-1', event: 'Far', messageId: 'epoch-far', timestamp: '-010000-01-01T00:00:00Z' },
          // Corrected by this sentAt, the event would land after the year 9999.
          { type: 'track', userId: 'epoch-1', event: 'Unset clock', messageId: 'epoch-sent', timestamp: '9990-01-01T00:00:00Z', sentAt: '1001-01-01T00:00:00Z' },
        ],
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: any) => r.status), ['rejected', 'accepted']);
      assert.deepEqual(res.body.results[0].errors, [{ field: 'batch.0.timestamp', message: 'must be an ISO-8601 date-time between the years 1000 and 9999' }]);
      const { rows } = await t.platform.ctx.db.query(`SELECT ts FROM events WHERE message_id = 'epoch-sent'`);
      assert.equal(new Date(rows[0].ts).toISOString(), '9990-01-01T00:00:00.000Z', 'the sender\'s own timestamp is kept');
      const order = await t.track('/v1/orders', { order_id: 'EPOCH-1', user_id: 'epoch-1', amount: 100, placed_at: '+275760-09-13T00:00:00Z', items: [] });
      assert.equal(order.status, 400);
      assert.equal(order.body.error.problems[0].field, 'body.placed_at');
    });

    it('accepts gzip bodies (RudderStack compresses its batches)', async () => {
      const body = zlib.gzipSync(JSON.stringify({ batch: [{ type: 'track', anonymousId: 'gz', event: 'Zipped', messageId: 'gz-1' }] }));
      const res = await fetch(`${t.url}/v1/batch`, {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Basic ${Buffer.from(`${t.ws.writeKey}:`).toString('base64')}` },
      });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).results[0].status, 'accepted');
    });

    it('refuses bad keys, malformed JSON, wrong types and oversize bodies with the field named', async () => {
      const bad = await fetch(`${t.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('wk_nope:').toString('base64')}` }, body: '{"userId":"a","event":"x"}' });
      assert.equal(bad.status, 401);
      assert.match((await bad.json()).error.message, /Invalid write key/);
      const none = await fetch(`${t.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"userId":"a","event":"x"}' });
      assert.equal(none.status, 401);

      const malformed = await t.track('/v1/track', '{"userId": "a", "event": ');
      assert.equal(malformed.status, 400);
      assert.match(malformed.body.error.message, /body: malformed JSON/);

      const wrongType = await t.track('/v1/track', { userId: 'a', event: 42 });
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.body.error.problems[0].field, 'body.event');

      const badDate = await t.track('/v1/track', { userId: 'a', event: 'x', timestamp: 'yesterday' });
      assert.equal(badDate.status, 400);
      assert.equal(badDate.body.error.problems[0].field, 'body.timestamp');

      const huge = await t.track('/v1/batch', { batch: [{ type: 'track', userId: 'a', event: 'x', properties: { blob: 'x'.repeat(5 * 1024 * 1024) } }] });
      assert.equal(huge.status, 413);
      assert.match(huge.body.error.message, /limit/);

      const writeKeyCannotRead = await t.api('GET', '/v1/customers', undefined, { authorization: `Bearer ${t.ws.writeKey}` });
      assert.equal(writeKeyCannotRead.status, 401);
    });
  });
}
