// Thousands of random points operations at once against the PostgreSQL server (PGlite serialises everything, so
// concurrency is only meaningful on a server): earns, redemptions, holds captured or released, refunds, replays of
// all of them. Afterwards no member has spent points twice or lost an earn: every account's balance equals its
// entries and its live lots minus debt, and replays changed nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type TestPlatform } from './helpers/platform.ts';
import { assertLedgerInvariants } from './helpers/ledger.ts';
import { withTenant } from '../src/kernel/tenant.ts';

const OPS = 3000;
const MEMBERS = 12;
const CONCURRENCY = 24;

describe('loyalty ledger under concurrency (postgres)', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL (CI sets it)' }, () => {
  let t: TestPlatform;
  before(async () => {
    t = await startPlatform('postgres', { runImports: false });
    const put = await t.api('PUT', '/v1/loyalty/program', { negativeBalance: 'allow', expiry: { kind: 'never' } });
    assert.equal(put.status, 200);
  });
  after(async () => t?.close());

  it(`keeps every account equal to its entries and lots after ${OPS} random concurrent operations and their replays`, async () => {
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const members = Array.from({ length: MEMBERS }, (_, i) => `m${i}`);
    // Each member's first order creates the profile; ids are looked up once.
    const ids = new Map<string, number>();
    for (const m of members) {
      const r = await t.track('/v1/orders', { order_id: `seed-${m}`, customer: { user_id: m }, amount: 50000, placed_at: new Date().toISOString() });
      ids.set(m, r.body.order.customer_id);
    }
    const orders: { id: string; amount: number }[] = [];
    const ops: (() => Promise<{ status: number; body: any }>)[] = [];
    for (let i = 0; i < OPS; i++) {
      const m = pick(members);
      const id = ids.get(m)!;
      const kind = rand();
      if (kind < 0.3) {
        const o = { id: `o-${i}`, amount: 1000 + Math.floor(rand() * 20000) };
        orders.push(o);
        ops.push(() => t.track('/v1/orders', { order_id: o.id, customer: { user_id: m }, amount: o.amount, placed_at: new Date().toISOString() }));
      } else if (kind < 0.55) {
        ops.push(() => t.api('POST', `/v1/loyalty/members/${id}/redemptions`, { points: 1 + Math.floor(rand() * 150), reference: `r-${i}` }));
      } else if (kind < 0.75) {
        const points = 1 + Math.floor(rand() * 100);
        const settle = rand() < 0.5 ? 'capture' : 'release';
        ops.push(async () => {
          const h = await t.api('POST', `/v1/loyalty/members/${id}/holds`, { points, reference: `h-${i}` });
          return h.status === 201 ? t.api('POST', `/v1/loyalty/holds/${h.body.id}/${settle}`) : h;
        });
      } else if (kind < 0.9 && orders.length > 0) {
        const o = pick(orders);
        ops.push(() => t.track(`/v1/orders/${o.id}/refunds`, { refund_id: `rf-${i}`, amount: 1 + Math.floor(rand() * (o.amount / 2)) }));
      } else {
        ops.push(() => t.api('POST', `/v1/loyalty/members/${id}/adjustments`, { points: 1 + Math.floor(rand() * 50), reason: 'goodwill', reference: `a-${i}` }));
      }
    }
    // Every operation is sent twice, the copies shuffled in among the others: replays must change nothing.
    const schedule = [...ops.keys(), ...ops.keys()].sort(() => rand() - 0.5);
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < schedule.length) {
        const k = schedule[next++];
        const res = await ops[k]();
        assert.ok(res.status < 500, `operation ${k}: ${res.status} ${JSON.stringify(res.body)}`);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    }));
    const accounts = await assertLedgerInvariants(t);
    assert.equal(accounts, MEMBERS);
    // One entry per source, however many times it was sent.
    const dup = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query(
      `SELECT source_type, source_id, kind, count(*) FROM points_entries WHERE workspace_id = $1 AND kind IN ('earn','redeem','adjust') AND source_type <> 'hold'
        GROUP BY 1, 2, 3 HAVING count(*) > 1`, [t.ws.id]));
    assert.deepEqual(dup.rows, []);
    // Some redemptions were refused for want of points; none overdrew a balance (debt only comes from refunds).
    assert.ok((statuses.get(409) ?? 0) > 0, JSON.stringify([...statuses]));
    const overdrawn = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query(
      `SELECT a.customer_id FROM points_accounts a WHERE a.workspace_id = $1 AND a.balance < 0 AND a.debt = 0`, [t.ws.id]));
    assert.deepEqual(overdrawn.rows, []);
  });

  it('never issues a popular coupon beyond its stock or a member beyond the limit, and lets one checkout of many hold a coupon', async () => {
    const tpl = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: '爆款', amountOff: 1000, stock: 40, perCustomer: 2 });
    const ids: number[] = [];
    for (let i = 0; i < 60; i++) ids.push((await t.track('/v1/identify', { userId: `grab-${i}`, messageId: `grab-${i}` })).body.results[0].customerId);
    // Every member asks three times with different references (one over the limit), all at once.
    const asks = ids.flatMap((id) => [0, 1, 2].map((k) => () => t.api('POST', `/v1/loyalty/members/${id}/coupons`, { template_id: tpl.body.id, reference: `g-${id}-${k}` })));
    const results = await Promise.all(asks.map((ask) => ask()));
    assert.ok(results.every((r) => r.status === 201 || r.status === 409), JSON.stringify(results.find((r) => r.status !== 201 && r.status !== 409)));
    assert.equal(results.filter((r) => r.status === 201).length, 40);
    const counts = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ issued: number; rows: number; most: number }>(
      `SELECT t.issued, (SELECT count(*)::int FROM coupons c WHERE c.template_id = t.id) AS rows,
              (SELECT max(n)::int FROM (SELECT count(*) AS n FROM coupons c WHERE c.template_id = t.id GROUP BY customer_id) x) AS most
         FROM coupon_templates t WHERE t.id = $1`, [tpl.body.id]));
    assert.deepEqual(counts.rows[0], { issued: 40, rows: 40, most: 2 });

    const winner = results.find((r) => r.status === 201)!.body;
    const locks = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: winner.customer_id, codes: [winner.code], order: { amount: 5000 }, reference: `race-${i}` })));
    assert.equal(locks.filter((r) => r.status === 201).length, 1);
    assert.ok(locks.every((r) => r.status === 201 || r.status === 409));
  });
});
