// Broadcasts (群发) on the running platform with a controllable clock: bad requests name the field; the audience is
// the segment at the start; batches keep to the rate; consent and the channel's daily quota suppress with reasons;
// pause, resume and cancel mid-way; per-recipient status; a scheduled A/B broadcast with opens and clicks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';

for (const engine of ENGINES) {
  describe(`broadcasts (${engine})`, () => {
    let t: TestPlatform;
    // Tuesday 2026-11-24 10:00 in Shanghai.
    const clock = new ManualClock(new Date('2026-11-24T02:00:00Z'));
    const customers: number[] = [];

    const drain = () => t.platform.broadcasts.drain(t.ws.id);
    const dispatch = async () => {
      while (await t.platform.dispatcher.runOnce()) {}
    };
    const progress = async (id: number) => (await t.api('GET', `/v1/broadcasts/${id}`)).body;

    before(async () => {
      t = await startPlatform(engine, { clock, runImports: false });
      assert.equal((await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox' })).status, 200);
      for (let i = 0; i < 50; i++) {
        const r = await t.track('/v1/identify', { userId: `vip-${i}`, messageId: `vip-${i}`, traits: { name: `会员${i}`, vip: 'yes' } });
        customers.push(r.body.results[0].customerId);
      }
      // 40 of 50 agreed to marketing in the inbox channel.
      for (const id of customers.slice(0, 40)) await t.api('PUT', `/v1/customers/${id}/consents`, { consents: [{ channel: 'inbox', granted: true }] });
      const seg = await t.api('POST', '/v1/segments', { key: 'vips', name: 'VIP', rule: { all: [{ field: 'traits.vip', op: 'eq', value: 'yes' }] } });
      assert.equal(seg.status, 201, JSON.stringify(seg.body));
      const tpl = await t.api('POST', '/v1/templates', {
        key: 'vip_day', name: '会员日', channel: 'inbox', body: '{{ customer.name }}，会员日快乐 {{ "https://shop.example/vip" | track }}',
        variants: [{ key: 'B', body: '{{ customer.name }}，今天全场八折 {{ "https://shop.example/sale" | track }}' }],
      });
      assert.equal(tpl.status, 201, JSON.stringify(tpl.body));
    });
    after(async () => t.close());

    it('refuses a broadcast that cannot work, naming each field', async () => {
      const r = await t.api('POST', '/v1/broadcasts', { name: 'x', channel: 'sms', template: 'vip_day', segment: 'nobody', variants: [{ key: 'C', percent: 50 }] });
      assert.equal(r.status, 400);
      const problems = r.body.error.problems.map((p: any) => `${p.field}: ${p.message}`).join('\n');
      assert.match(problems, /channel: channel "sms" has no provider/);
      assert.match(problems, /template: template "vip_day" is for the inbox channel/);
      assert.match(problems, /segment: unknown segment "nobody"/);
      assert.match(problems, /variants\.0\.key: template "vip_day" has no variant "C"/);
      assert.match(problems, /variants: percentages add up to 50/);
      const bad = await t.api('POST', '/v1/broadcasts', { name: 'x', channel: 'inbox', template: 'vip_day', segment: 'vips', ratePerMinute: 0 });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.problems[0].field, 'body.ratePerMinute');
    });

    it('estimates the reachable audience, then sends at the set rate, with consent deciding and every recipient accounted for', async () => {
      const est = (await t.api('POST', '/v1/broadcasts/estimate', { segment: 'vips', channel: 'inbox' })).body;
      assert.deepEqual([est.audience, est.reachable], [50, 40]);

      const created = await t.api('POST', '/v1/broadcasts', { name: '会员日群发', channel: 'inbox', template: 'vip_day', segment: 'vips', ratePerMinute: 20 });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id;
      await drain();
      let p = await progress(id);
      assert.equal(p.broadcast.status, 'running');
      assert.equal(p.audience, 50);
      assert.equal(p.recipients.pending, 30, 'the first minute: 20 messages');
      // Half a minute later: ten more.
      clock.advance(30_000);
      await drain();
      p = await progress(id);
      assert.equal(p.recipients.pending, 20);
      await dispatch();

      // Paused: nothing moves however long it waits; resumed without a burst.
      assert.equal((await t.api('POST', `/v1/broadcasts/${id}/pause`)).body.status, 'paused');
      clock.advance(10 * 60_000);
      await drain();
      assert.equal((await progress(id)).recipients.pending, 20);
      assert.equal((await t.api('POST', `/v1/broadcasts/${id}/resume`)).body.status, 'running');
      clock.advance(30_000);
      await drain();
      assert.equal((await progress(id)).recipients.pending, 10, 'resuming does not send the paused minutes at once');
      clock.advance(30_000);
      await drain();
      await dispatch();
      p = await progress(id);
      assert.equal(p.broadcast.status, 'completed');
      assert.equal(p.progress, 1);
      assert.equal(p.messages.sent, 40);
      assert.equal(p.suppressedBy.no_consent, 10);
      const sent = (await t.api('GET', `/v1/broadcasts/${id}/recipients?status=sent&limit=500`)).body.recipients;
      assert.equal(sent.length, 40);
      const suppressed = (await t.api('GET', `/v1/broadcasts/${id}/recipients?status=suppressed&limit=500`)).body.recipients;
      assert.deepEqual(suppressed.map((r: any) => r.reason), new Array(10).fill('no_consent'));
      // Everyone with consent got exactly one message.
      const inbox = (await t.api('GET', '/v1/inbox?limit=500')).body.messages;
      assert.equal(new Set(inbox.map((m: any) => m.customer_id)).size, 40);
      assert.equal(inbox.length, 40);
    });

    it('cancels mid-way: pending recipients and messages still waiting in the outbox are withdrawn', async () => {
      const created = await t.api('POST', '/v1/broadcasts', { name: '取消测试', channel: 'inbox', template: 'vip_day', segment: 'vips', ratePerMinute: 15, transactional: true });
      const id = created.body.id;
      await drain(); // 15 into the outbox, not yet dispatched
      const cancelled = await t.api('POST', `/v1/broadcasts/${id}/cancel`);
      assert.equal(cancelled.body.status, 'cancelled');
      clock.advance(5 * 60_000);
      await drain();
      await dispatch();
      const p = await progress(id);
      assert.equal(p.recipients.cancelled, 35);
      assert.equal(p.messages.sent, 0);
      assert.equal(p.suppressedBy.broadcast_cancelled, 15);
      assert.equal((await t.api('POST', `/v1/broadcasts/${id}/resume`)).status, 409);
    });

    it('holds a scheduled A/B broadcast until its time, splits the audience, and counts opens and clicks', async () => {
      clock.set(new Date('2026-11-25T02:00:00Z'));
      const sendAt = new Date('2026-11-25T04:00:00Z').toISOString();
      const created = await t.api('POST', '/v1/broadcasts', {
        name: 'AB', channel: 'inbox', template: 'vip_day', segment: 'vips', sendAt, ratePerMinute: 1000, variants: [{ key: '', percent: 50 }, { key: 'B', percent: 50 }],
      });
      const id = created.body.id;
      await drain();
      assert.equal((await progress(id)).broadcast.status, 'scheduled');
      clock.set(new Date(sendAt));
      await drain();
      await dispatch();
      const p = await progress(id);
      assert.equal(p.broadcast.status, 'completed');
      const byVariant = Object.fromEntries(p.variants.map((v: any) => [v.variant, v.sent]));
      assert.equal(byVariant[''] + byVariant.B, 40);
      assert.ok(byVariant[''] > 5 && byVariant.B > 5, JSON.stringify(byVariant));
      // One customer clicks the link in the message: an open and a click for the broadcast.
      const msg = (await t.api('GET', '/v1/inbox?limit=500')).body.messages.find((m: any) => /八折|快乐/.test(m.body) && m.outbox_id);
      const link = /http\S+\/v1\/t\/c\/\S+/.exec(msg.body)![0];
      assert.equal((await fetch(link.replace(/^http:\/\/localhost:\d+/, t.url), { redirect: 'manual' })).status, 302);
      const after = await progress(id);
      assert.equal(after.messages.clicked, 1);
      assert.equal(after.messages.opened, 1);
    });

    it("suppresses beyond the channel's daily quota", async () => {
      clock.set(new Date('2026-11-26T02:00:00Z'));
      assert.equal((await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox', dailyQuota: 25 })).status, 200);
      const created = await t.api('POST', '/v1/broadcasts', { name: '配额', channel: 'inbox', template: 'vip_day', segment: 'vips', ratePerMinute: 1000 });
      await drain();
      const p = await progress(created.body.id);
      assert.equal(p.messages.queued + p.messages.sent, 25);
      assert.equal(p.suppressedBy.channel_quota, 15);
      assert.equal(p.suppressedBy.no_consent, 10);
      await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox' });
    });
  });
}
