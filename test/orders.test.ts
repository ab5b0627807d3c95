// Orders and refunds over HTTP: idempotent by order_id / refund_id, money as integers, stats on the buyer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';

for (const engine of ENGINES) {
  describe(`orders API (${engine})`, () => {
    let t: TestPlatform;
    before(async () => (t = await startPlatform(engine)));
    after(async () => t.close());

    const order = (id: string, amount: number, extra: Record<string, unknown> = {}) => ({
      order_id: id, customer: { phone: '+86 139-0000-8888', user_id: 'buyer-1' }, amount, currency: 'CNY', channel: '小程序商城', store: undefined,
      items: [{ sku: 'CAM-101', name: '精华水', category: '面部护理', quantity: 2, unit_price: amount / 2 }], placed_at: '2026-06-18T12:00:00+08:00', ...extra,
    });

    it('records a paid order once, however often it is sent, and updates the buyer', async () => {
      const first = await t.track('/v1/orders', order('O-1', 37800));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.order.status, 'paid');
      const replay = await t.track('/v1/orders', order('O-1', 37800));
      assert.equal(replay.body.order.duplicate, true);
      await t.track('/v1/orders', order('O-2', 10000, { placed_at: '2026-07-01T09:00:00+08:00' }));
      const c = (await t.api('GET', '/v1/customers?q=13900008888')).body.customers[0];
      assert.equal(c.orderCount, 2);
      assert.equal(c.totalSpent, 47800);
      const view = (await t.api('GET', `/v1/customers/${c.id}`)).body;
      assert.equal(view.stats.averageOrderValue, 23900);
      assert.equal(view.stats.firstOrderAt, '2026-06-18T04:00:00.000Z');
    });

    it('refunds partly, then fully; refuses to refund more than was paid; replays return the first answer', async () => {
      const part = await t.track('/v1/orders/O-1/refunds', { refund_id: 'R-1', amount: 18900, reason: '部分退款' });
      assert.equal(part.status, 200, JSON.stringify(part.body));
      assert.equal(part.body.order.status, 'partially_refunded');
      const replay = await t.track('/v1/orders/O-1/refunds', { refund_id: 'R-1', amount: 18900 });
      assert.equal(replay.body.duplicate, true);
      assert.equal(replay.body.order.refunded_amount, 18900);
      const over = await t.track('/v1/orders/O-1/refunds', { refund_id: 'R-2', amount: 20000 });
      assert.equal(over.status, 400);
      assert.equal(over.body.error.problems[0].field, 'amount');
      assert.match(over.body.error.message, /18900/);
      const rest = await t.track('/v1/orders/O-1/refunds', { refund_id: 'R-3', amount: 18900 });
      assert.equal(rest.body.order.status, 'refunded');
      const c = (await t.api('GET', '/v1/customers?q=13900008888')).body.customers[0];
      assert.equal(c.orderCount, 1, 'a fully refunded order no longer counts');
      assert.equal(c.totalSpent, 10000);
      const tl = (await t.api('GET', `/v1/customers/${c.id}/timeline`)).body.entries;
      assert.equal(tl.filter((e: any) => e.kind === 'refund').length, 2);
      const missing = await t.track('/v1/orders/NOPE/refunds', { refund_id: 'R-9', amount: 1 });
      assert.equal(missing.status, 404);
    });

    it('rejects fractional money, negative amounts and unknown currencies with the field named', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ amount: 12.5 }, 'body.amount'],
        [{ amount: -1 }, 'body.amount'],
        [{ currency: 'XXX' }, 'body.currency'],
        [{ placed_at: 'soon' }, 'body.placed_at'],
        [{ items: [{ sku: 'A', quantity: 0, unit_price: 100 }] }, 'body.items.0.quantity'],
      ];
      for (const [patch, field] of cases) {
        const res = await t.track('/v1/orders', order('O-bad', 100, patch));
        assert.equal(res.status, 400, JSON.stringify(patch));
        assert.equal(res.body.error.problems[0].field, field, JSON.stringify(res.body));
      }
    });

    it('answers an order batch per item', async () => {
      const res = await t.track('/v1/orders/batch', { orders: [order('B-1', 100), { order_id: 'B-2' }, order('B-1', 100), order('B-3', 200, { customer: undefined })] });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.results.map((r: any) => r.status), ['stored', 'rejected', 'duplicate', 'stored']);
      assert.equal(res.body.results[3].order.customer_id, null, 'an order without identifiers is a guest order');
      assert.ok(res.body.results[1].errors.some((e: any) => e.field === 'orders.1.amount'));
    });
  });
}
