// The column scans and the per-customer tests must agree on every rule shape.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CustomerStore } from './store.ts';
import { compile, nextBoundaries } from './evaluate.ts';
import { Bitset } from './bitset.ts';
import { Random } from '../demo/random.ts';
import type { Rule } from '../rules/rules.ts';

describe('rule evaluation', () => {
  const r = new Random(3);
  const now = Date.UTC(2026, 5, 1);
  const store = new CustomerStore('ws');
  const N = 5000;
  store.ensure(N + 1);
  for (let id = 1; id <= N; id++) {
    if (r.chance(0.9)) store.live.add(id);
    if (r.chance(0.6)) store.known.add(id);
    store.setString('source_channel', id, r.chance(0.1) ? null : r.pick(['公众号', '抖音直播', '小红书']));
    store.setNumber('order_count', id, r.chance(0.3) ? null : r.int(0, 9));
    store.setNumber('last_order_at', id, r.chance(0.3) ? null : now - r.int(0, 400) * 86_400_000);
    store.setString('traits.city', id, r.pick(['上海', '北京', '12', '7']));
  }
  store.tags.set('vip', Bitset.from(store.size, Array.from({ length: 300 }, () => r.int(1, N))));
  const rules: Rule[] = [
    { field: 'order_count', op: 'gte', value: 3 },
    { field: 'order_count', op: 'between', value: [2, 5] },
    { field: 'order_count', op: 'eq', value: 0 },
    { field: 'order_count', op: 'lt', value: 2 },
    // Strict bounds on the boundary value itself, on zero and on fractions.
    { field: 'order_count', op: 'gt', value: 3 },
    { field: 'order_count', op: 'lte', value: 4 },
    { field: 'order_count', op: 'gt', value: 0 },
    { field: 'order_count', op: 'lt', value: 2.5 },
    { field: 'order_count', op: 'gt', value: -0.5 },
    { field: 'last_order_at', op: 'within_last_days', value: 90 },
    { field: 'last_order_at', op: 'not_within_last_days', value: 90 },
    { field: 'source_channel', op: 'in', value: ['抖音直播', '小红书'] },
    { field: 'source_channel', op: 'eq', value: '公众号' },
    { field: 'traits.city', op: 'gt', value: 10 },
    { any: [{ field: 'order_count', op: 'gte', value: 8 }, { tag: 'vip', has: true }] },
    { all: [{ field: 'known', op: 'eq', value: true }, { not: { field: 'source_channel', op: 'exists' } }] },
    { all: [{ field: 'order_count', op: 'gte', value: 1 }, { field: 'last_order_at', op: 'within_last_days', value: 30 }, { not: { tag: 'vip', has: true } }] },
  ];
  for (const rule of rules) {
    it(JSON.stringify(rule), () => {
      const c = compile(rule, store, now);
      const bulk = [...c.filter(store.live).ids()];
      const one = [...store.live.ids()].filter((id) => c.test(id));
      assert.deepEqual(bulk, one);
      assert.ok(one.length > 0 && one.length < store.live.count(), `a rule that selects some: ${one.length}`);
    });
  }

  it('schedules each customer at the earliest boundary of all rules, as the per-customer walk finds it', () => {
    store.setNumber('last_seen_at', 1, now - 3 * 86_400_000);
    for (let id = 2; id <= N; id++) store.setNumber('last_seen_at', id, r.chance(0.2) ? null : now - r.int(0, 60) * 86_400_000 - r.int(0, 86_399_999));
    const timed: Rule[] = [...rules,
      { any: [{ field: 'last_seen_at', op: 'within_last_days', value: 7 }, { not: { field: 'last_order_at', op: 'not_within_last_days', value: 30 } }] },
      { field: 'last_seen_at', op: 'within_last_days', value: 7 }, // the same condition twice
      { all: [{ field: 'order_count', op: 'gte', value: 1 }, { field: 'last_order_at', op: 'before', value: '2026-07-01T00:00:00Z' }] },
      { field: 'last_order_at', op: 'after', value: '2026-01-01T00:00:00Z' }, // already passed: no boundary
    ];
    const next = nextBoundaries(timed, store, now);
    const compiled = timed.map((rule) => compile(rule, store, now));
    const fixed = Date.parse('2026-07-01T00:00:00Z');
    let byColumn = 0;
    let byDate = 0;
    for (let id = 0; id < store.size; id++) {
      const out: number[] = [];
      for (const c of compiled) c.boundaries(id, out);
      const expected = out.length ? Math.min(...out) : Infinity;
      assert.equal(next[id], expected, `customer ${id}`);
      if (expected < fixed) byColumn++;
      if (expected === fixed) byDate++;
    }
    assert.equal(next[1], now + 4 * 86_400_000, 'seen 3 days ago: out of the 7-day window in 4');
    assert.ok(byColumn > 100 && byDate > 100, `boundaries from columns (${byColumn}) and from the date (${byDate})`);
  });
});
