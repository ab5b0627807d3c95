// Journeys on the running platform with a controllable clock: publishing refuses broken journeys naming the node,
// a welcome flow sends through the gate (consent, caps), waits for an order or times out, tags, records the goal;
// editing a live journey makes a new version while customers in flight finish on theirs; quiet hours hold a send.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';

const DAY = 86_400_000;

const welcome = (template = 'welcome') => ({
  trigger: { type: 'event', event: 'signed_up', where: [{ property: 'plan', op: 'eq', value: 'pro' }] },
  start: 'hello',
  goal: { event: 'order_completed', withinDays: 14 },
  nodes: {
    hello: { type: 'send', channel: 'inbox', template, next: 'wait_order' },
    wait_order: { type: 'wait_event', event: 'order_completed', timeout: { days: 3 }, next: 'mark', timeoutNext: 'nudge' },
    mark: { type: 'tag', tag: 'converted' },
    nudge: { type: 'send', channel: 'inbox', template: 'nudge' },
  },
});

for (const engine of ENGINES) {
  describe(`journeys (${engine})`, () => {
    let t: TestPlatform;
    // Monday 2026-11-23 10:00 in Shanghai.
    const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));
    const ids: Record<string, number> = {};
    let journeyId = 0;

    const drain = async () => {
      await t.platform.journeys.drain(t.ws.id);
      while (await t.platform.dispatcher.runOnce()) {}
    };
    const person = async (name: string, consent: boolean | null) => {
      const r = await t.track('/v1/identify', { userId: name, messageId: `id-${name}`, traits: { name: `客户${name}`, email: `${name}@example.com` } });
      const id = r.body.results[0].customerId as number;
      if (consent !== null) assert.equal((await t.api('PUT', `/v1/customers/${id}/consents`, { consents: [{ channel: 'inbox', granted: consent }] })).status, 200);
      ids[name] = id;
      return id;
    };
    const inbox = async (id: number) => (await t.api('GET', `/v1/inbox?customer_id=${id}`)).body.messages as any[];
    const events = async (id: number) => (await t.api('GET', `/v1/customers/${id}/timeline?limit=200`)).body.entries.filter((e: any) => e.kind === 'event').map((e: any) => e.detail);

    before(async () => {
      t = await startPlatform(engine, { clock, runImports: false });
      assert.equal((await t.api('PUT', '/v1/channels/inbox', { kind: 'inbox' })).status, 200);
      assert.equal((await t.api('PUT', '/v1/messaging/policy', { quietHours: { start: '21:00', end: '09:00' }, frequencyCaps: [{ channel: '*', max: 3, days: 1 }] })).status, 200);
      assert.equal((await t.api('POST', '/v1/tags', { key: 'converted', name: '已转化', tier: 'behavior', kind: 'manual' })).status, 201);
      for (const [key, body] of [['welcome', '{{ customer.name }}，欢迎加入！'], ['welcome_v2', '{{ customer.name }}，欢迎！新版'], ['nudge', '首单立减20元 {{ "https://shop.example/first" | track }}']]) {
        const r = await t.api('POST', '/v1/templates', { key, name: key, channel: 'inbox', body });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
    });
    after(async () => t.close());

    it('refuses a template with an unknown variable, naming it', async () => {
      const r = await t.api('POST', '/v1/templates', { key: 'bad', name: 'bad', channel: 'inbox', body: 'Hi {{ customer.nickname }}' });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.problems[0].field, 'body');
      assert.match(r.body.error.problems[0].message, /customer\.nickname/);
    });

    it('refuses to publish a broken journey, naming each node and reason', async () => {
      const broken = {
        trigger: { type: 'event', event: 'signed_up' },
        start: 'a',
        nodes: {
          a: { type: 'condition', rule: { field: 'traits.vip', op: 'eq', value: 'y' }, yes: 'b', no: 'c' },
          b: { type: 'tag', tag: 'converted', next: 'a' },
          c: { type: 'send', channel: 'sms', template: 'welcome' },
          d: { type: 'send', channel: 'inbox', template: 'missing_template' },
          e: { type: 'condition', rule: { field: 'computed.no_such_trait', op: 'gt', value: 1 }, yes: 'd' },
        },
      };
      const created = await t.api('POST', '/v1/journeys', { name: 'broken', definition: broken });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const r = await t.api('POST', `/v1/journeys/${created.body.id}/publish`);
      assert.equal(r.status, 400);
      const problems = r.body.error.problems.map((p: any) => `${p.field}: ${p.message}`).join('\n');
      assert.match(problems, /nodes\.d: is unreachable/);
      assert.match(problems, /nodes\.b\.next: closes a cycle without a wait/);
      assert.match(problems, /nodes\.c\.channel: channel "sms" has no provider/);
      assert.match(problems, /nodes\.d\.template: no template "missing_template"/);
      assert.match(problems, /nodes\.e\.rule.*no_such_trait/);
    });

    it('runs a welcome journey: consent decides who is messaged, an order wakes the waiting customer, the rest time out', async () => {
      const created = await t.api('POST', '/v1/journeys', { name: '新客欢迎', definition: welcome() });
      journeyId = created.body.id;
      const published = await t.api('POST', `/v1/journeys/${journeyId}/publish`);
      assert.equal(published.status, 200, JSON.stringify(published.body));
      assert.equal(published.body.version, 1);

      await person('ann', true);
      await person('bob', true);
      await person('cat', null); // never asked: opt-in policy means no marketing
      await person('dan', true);
      for (const n of ['ann', 'bob', 'cat']) await t.track('/v1/track', { userId: n, event: 'signed_up', messageId: `su-${n}`, properties: { plan: 'pro' } });
      await t.track('/v1/track', { userId: 'dan', event: 'signed_up', messageId: 'su-dan', properties: { plan: 'free' } }); // filtered out
      await drain();

      const annInbox = await inbox(ids.ann);
      assert.equal(annInbox.length, 1);
      assert.equal(annInbox[0].body, '客户ann，欢迎加入！');
      assert.equal((await inbox(ids.cat)).length, 0);
      assert.equal((await inbox(ids.dan)).length, 0);
      const catEvents = await events(ids.cat);
      const suppressed = catEvents.find((e: any) => e.event === 'message_suppressed');
      assert.equal(suppressed?.properties.reason, 'no_consent');
      assert.ok(catEvents.some((e: any) => e.event === 'journey_entered'));

      // Ann orders: she wakes, is tagged and completes; the goal is recorded.
      clock.advance(3_600_000);
      const o = await t.track('/v1/orders', { order_id: 'W-1', customer: { user_id: 'ann' }, amount: 9900, currency: 'CNY', items: [], placed_at: clock.now().toISOString() });
      assert.equal(o.status, 200, JSON.stringify(o.body));
      await drain();
      const annRun = (await t.api('GET', `/v1/journeys/${journeyId}/runs?customer_id=${ids.ann}`)).body.runs[0];
      assert.equal(annRun.status, 'completed');
      assert.ok(annRun.goal_at);
      const tags = (await t.api('GET', `/v1/customers/${ids.ann}`)).body.tags.map((x: any) => x.key);
      assert.ok(tags.includes('converted'), JSON.stringify(tags));

      // Nothing happens to Bob before the timeout...
      clock.advance(2 * DAY);
      await drain();
      assert.equal((await inbox(ids.bob)).length, 1);
      // ... and at the timeout he gets the nudge (at 11:00 local, outside quiet hours) with a tracked link.
      clock.advance(DAY);
      await drain();
      const bobInbox = await inbox(ids.bob);
      assert.equal(bobInbox.length, 2);
      const link = /http\S+\/v1\/t\/c\/\S+/.exec(bobInbox[0].body)?.[0];
      assert.ok(link, bobInbox[0].body);
      const click = await fetch(link!.replace(/^http:\/\/localhost:\d+/, t.url), { redirect: 'manual' });
      assert.equal(click.status, 302);
      assert.equal(click.headers.get('location'), 'https://shop.example/first');
      assert.ok((await events(ids.bob)).some((e: any) => e.event === 'message_clicked'));

      const stats = (await t.api('GET', `/v1/journeys/${journeyId}/stats`)).body;
      assert.equal(stats.entered, 3);
      assert.equal(stats.completed, 3);
      assert.equal(stats.goals, 1);
      assert.equal(stats.suppressed.no_consent, 2, JSON.stringify(stats.suppressed));
      assert.equal(stats.messages.sent, 3);
      assert.equal(stats.revenue.amount, 9900);
      const waited = stats.nodes.find((n: any) => n.node === 'wait_order' && n.outcome === 'timed_out');
      assert.equal(waited.count, 2);
    });

    it('a new version takes new entries while customers in flight finish on theirs', async () => {
      await person('eve', true);
      await t.track('/v1/track', { userId: 'eve', event: 'signed_up', messageId: 'su-eve', properties: { plan: 'pro' } });
      await drain();
      const saved = await t.api('PUT', `/v1/journeys/${journeyId}`, { name: '新客欢迎', definition: welcome('welcome_v2') });
      assert.equal(saved.status, 200);
      assert.equal((await t.api('POST', `/v1/journeys/${journeyId}/publish`)).body.version, 2);
      await person('fay', true);
      await t.track('/v1/track', { userId: 'fay', event: 'signed_up', messageId: 'su-fay', properties: { plan: 'pro' } });
      await drain();
      assert.equal((await inbox(ids.fay))[0].body, '客户fay，欢迎！新版');
      const eveRun = (await t.api('GET', `/v1/journeys/${journeyId}/runs?customer_id=${ids.eve}`)).body.runs[0];
      assert.equal(eveRun.version, 1);
      assert.equal(eveRun.node, 'wait_order');
      // Eve times out on version 1's path.
      clock.advance(3 * DAY + 60_000);
      await drain();
      assert.equal((await inbox(ids.eve)).length, 2);
      assert.equal((await t.api('GET', `/v1/journeys/${journeyId}/runs?customer_id=${ids.eve}`)).body.runs[0].status, 'completed');
    });

    it('quiet hours hold a marketing message until the window opens; the frequency cap suppresses the excess', async () => {
      // 22:30 in Shanghai.
      clock.set(new Date('2026-12-01T14:30:00Z'));
      await person('gus', true);
      await t.track('/v1/track', { userId: 'gus', event: 'signed_up', messageId: 'su-gus', properties: { plan: 'pro' } });
      await drain();
      assert.equal((await inbox(ids.gus)).length, 0);
      const run = (await t.api('GET', `/v1/journeys/${journeyId}/runs?customer_id=${ids.gus}`)).body.runs[0];
      assert.equal(run.node, 'hello');
      assert.equal(new Date(run.due_at).toISOString(), '2026-12-02T01:00:00.000Z', '09:00 the next morning in Shanghai');
      clock.set(new Date('2026-12-02T01:00:00Z'));
      await drain();
      assert.equal((await inbox(ids.gus)).length, 1);

      // Two more the same day reach the cap of three; the fourth is suppressed.
      const send = (ref: string) => t.api('POST', '/v1/messages', { customer_id: ids.gus, channel: 'inbox', body: '门店活动', reference: ref });
      assert.equal((await send('s1')).body.status, 'queued');
      assert.equal((await send('s2')).body.status, 'queued');
      const capped = await send('s3');
      assert.equal(capped.body.status, 'suppressed');
      assert.equal(capped.body.reason, 'frequency_cap');
      assert.equal((await send('s1')).body.status, 'replayed');
      // Transactional messages are not capped.
      const tx = await t.api('POST', '/v1/messages', { customer_id: ids.gus, channel: 'inbox', body: '您的订单已发货', transactional: true, reference: 's4' });
      assert.equal(tx.body.status, 'queued');
    });

    it('a best-time send waits for the hour the customer usually engages, then sends', async () => {
      // Monday 2026-12-07 10:00 in Shanghai. Hal has browsed on Wednesday evenings (20:00 local) for a month.
      clock.set(new Date('2026-12-07T02:00:00Z'));
      await person('hal', true);
      for (const [w, day] of ['2026-11-04', '2026-11-11', '2026-11-18', '2026-11-25', '2026-12-02'].entries()) {
        for (let k = 0; k < 4; k++) {
          await t.track('/v1/track', { userId: 'hal', event: 'Product Viewed', messageId: `hal-${w}-${k}`, timestamp: `${day}T12:${10 + k * 10}:00Z`, properties: { sku: 'CAM-1' } });
        }
      }
      const def = {
        trigger: { type: 'event', event: 'asked_later' },
        start: 'hello',
        nodes: { hello: { type: 'send', channel: 'inbox', template: 'welcome', timing: 'best_time' } },
      };
      const created = await t.api('POST', '/v1/journeys', { name: '最佳时间', definition: def });
      assert.equal((await t.api('POST', `/v1/journeys/${created.body.id}/publish`)).status, 200);
      const sendTime = (await t.api('GET', `/v1/customers/${ids.hal}/send-time`)).body;
      assert.equal(sendTime.label, '周三 20:00', JSON.stringify(sendTime));
      assert.equal(new Date(sendTime.next).toISOString(), '2026-12-09T12:00:00.000Z');

      await t.track('/v1/track', { userId: 'hal', event: 'asked_later', messageId: 'later-hal' });
      await drain();
      assert.equal((await inbox(ids.hal)).length, 0, 'not sent on Monday morning');
      const run = (await t.api('GET', `/v1/journeys/${created.body.id}/runs?customer_id=${ids.hal}`)).body.runs[0];
      assert.equal(new Date(run.due_at).toISOString(), '2026-12-09T12:00:00.000Z', 'Wednesday 20:00 in Shanghai');
      clock.set(new Date('2026-12-09T12:00:30Z'));
      await drain();
      assert.equal((await inbox(ids.hal)).length, 1);
      const stats = (await t.api('GET', `/v1/journeys/${created.body.id}/stats`)).body;
      assert.equal(stats.nodes.find((n: any) => n.outcome === 'waiting_best_time')?.count, 1);
      assert.equal(stats.nodes.find((n: any) => n.outcome === 'sent')?.count, 1);
    });
  });
}
