// The real Segment and RudderStack Node SDKs, unchanged, pointed at Siyu.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';

describe('official SDKs against the tracking API', () => {
  let t: TestPlatform;
  before(async () => (t = await startPlatform('pglite')));
  after(async () => t.close());

  const profileByUser = async (userId: string) => {
    const list = (await t.api('GET', `/v1/customers?q=${userId}`)).body.customers;
    assert.equal(list.length, 1, `one profile for ${userId}`);
    return (await t.api('GET', `/v1/customers/${list[0].id}`)).body;
  };

  it('@segment/analytics-node: identify, track, page, screen, group, alias land on one profile', async () => {
    const errors: unknown[] = [];
    const analytics = new Analytics({ writeKey: t.ws.writeKey, host: t.url, flushAt: 3, maxRetries: 2 });
    analytics.on('error', (e) => errors.push(e));
    analytics.page({ anonymousId: 'seg-anon', name: '首页', properties: { channel_code: '小红书' } });
    analytics.track({ anonymousId: 'seg-anon', event: 'Product Viewed', properties: { sku: 'CAM-101', price: 18900 } });
    analytics.identify({ userId: 'seg-user', anonymousId: 'seg-anon', traits: { name: '陈思', phone: '13811112222', city: '成都' } });
    analytics.screen({ userId: 'seg-user', name: 'Cart' });
    analytics.group({ userId: 'seg-user', groupId: 'family-1', traits: { size: 3 } });
    analytics.alias({ userId: 'seg-user', previousId: 'seg-old-id' });
    analytics.track({ userId: 'seg-user', event: 'Order Completed', properties: { revenue: 189 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    const c = await profileByUser('seg-user');
    assert.equal(c.source, '小红书', 'first-touch channel from the anonymous page view');
    assert.equal(c.pii.phone, '138****2222');
    const tl = (await t.api('GET', `/v1/customers/${c.id}/timeline`)).body.entries.filter((e: any) => e.kind === 'event');
    assert.deepEqual(tl.map((e: any) => e.detail.type).sort(), ['alias', 'group', 'identify', 'page', 'screen', 'track', 'track']);
    const lib = await t.platform.ctx.db.query(`SELECT context->'library'->>'name' AS lib FROM events WHERE customer_id IN (SELECT id FROM customers WHERE canonical_id = $1) LIMIT 1`, [c.id]);
    assert.match(lib.rows[0].lib, /analytics-node/);
  });

  it('@rudderstack/rudder-sdk-node (gzip on by default): the same calls land on one profile', async () => {
    const errors: unknown[] = [];
    const client = new RudderAnalytics(t.ws.writeKey, { dataPlaneUrl: t.url, flushAt: 2, flushInterval: 200, errorHandler: (e: unknown) => errors.push(e), logLevel: 'error' });
    client.page({ anonymousId: 'rs-anon', name: 'Home', category: 'landing', properties: { channel_code: '抖音直播' } });
    client.track({ anonymousId: 'rs-anon', event: 'Product Added', properties: { sku: 'CAM-201' } });
    client.identify({ userId: 'rs-user', anonymousId: 'rs-anon', traits: { email: 'Rudder@Example.com', name: 'Rudder User' } });
    client.screen({ userId: 'rs-user', name: 'Profile' });
    client.group({ userId: 'rs-user', groupId: 'g-7' });
    client.alias({ userId: 'rs-user', previousId: 'rs-legacy' });
    await new Promise<void>((resolve, reject) => client.flush((err?: Error) => (err ? reject(err) : resolve())));
    // Batches sent earlier (flushAt) may still be in flight; wait until all six calls have landed.
    const stored = async () => {
      const r = await t.platform.ctx.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events e JOIN customers c ON c.id = e.customer_id
          WHERE c.canonical_id = (SELECT canonical_id FROM customers WHERE id = (SELECT customer_id FROM events WHERE type = 'group' AND properties->>'groupId' = 'g-7'))`,
      );
      return r.rows[0].n;
    };
    const deadline = Date.now() + 10_000;
    while ((await stored()) < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await stored(), 6);
    assert.deepEqual(errors, []);
    const c = await profileByUser('rs-user');
    assert.equal(c.source, '抖音直播');
    assert.equal(c.pii.email, 'r***@example.com');
  });
});
