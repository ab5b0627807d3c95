import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateCustomer } from './generator.ts';

describe('demo brand generator', () => {
  const anchor = Date.UTC(2026, 10, 22);
  const many = Array.from({ length: 2000 }, (_, i) => generateCustomer(7, i, anchor));

  it('is deterministic for a seed and differs across seeds', () => {
    assert.deepEqual(generateCustomer(7, 42, anchor), many[42]);
    assert.notDeepEqual(generateCustomer(8, 42, anchor), many[42]);
  });

  it('never produces activity after its anchor day', () => {
    for (const c of many) {
      for (const m of c.messages) assert.ok(Date.parse(m.timestamp!) <= anchor);
      for (const o of c.orders) assert.ok(Date.parse(o.placed_at) <= anchor);
    }
  });

  it('looks like a private-domain brand: every channel, browsers and repeat buyers, campaign peaks', () => {
    const sources = new Set(many.map((c) => c.messages[0].properties?.channel_code));
    assert.deepEqual([...sources].sort(), ['公众号', '包裹卡', '小程序', '小红书', '抖音直播', '老带新', '视频号', '门店扫码'].sort());
    const orders = many.map((c) => c.orders.length);
    assert.ok(orders.filter((n) => n === 0).length > 400, 'many never buy');
    assert.ok(orders.filter((n) => n >= 2).length > 300, 'many buy again');
    const byMonthDay = (m: number, from: number, to: number) => many.flatMap((c) => c.orders).filter((o) => {
      const d = new Date(Date.parse(o.placed_at) + 8 * 3600_000);
      return d.getUTCMonth() + 1 === m && d.getUTCDate() >= from && d.getUTCDate() <= to;
    }).length;
    // Orders per day during 双11 (Nov 1-11) far exceed an ordinary stretch (Sep 1-11).
    assert.ok(byMonthDay(11, 1, 11) > 1.8 * byMonthDay(9, 1, 11), `双11 ${byMonthDay(11, 1, 11)} vs Sep ${byMonthDay(9, 1, 11)}`);
    assert.ok(many.some((c) => c.refunds.length > 0));
    assert.ok(many.some((c) => c.orders.some((o) => o.customer?.member_no)), 'some store memberships need stitching');
  });
});
