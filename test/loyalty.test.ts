// The points ledger on the running platform: orders earn (by category, with multipliers), refunds take back in
// proportion (into debt when already spent), actions within limits, redemptions and holds, expiry as time passes,
// replays, bad input, tenant isolation — and the ledger's invariants after every scenario.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import { createWorkspace } from '../src/access/workspaces.ts';
import { assertLedgerInvariants } from './helpers/ledger.ts';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`loyalty points (${engine})`, () => {
    let t: TestPlatform;
    // Friday 2026-11-20, 10:00 in Shanghai.
    const clock = new ManualClock(new Date('2026-11-20T02:00:00Z'));
    before(async () => (t = await startPlatform(engine, { clock, runImports: false })));
    after(async () => t.close());

    const order = (id: string, amount: number, items: object[], extra: object = {}) =>
      t.track('/v1/orders', { order_id: id, customer: { user_id: 'lin' }, amount, currency: 'CNY', items, placed_at: clock.now().toISOString(), ...extra });
    const member = async () => (await t.api('GET', `/v1/loyalty/members/${customerId}`)).body;
    let customerId = 0;

    it('refuses a programme that makes no sense, naming the field', async () => {
      const bad = await t.api('PUT', '/v1/loyalty/program', { timezone: 'Mars/Olympus', expiry: { kind: 'days', days: 0 }, multipliers: { weekdays: { 8: 2 } } });
      assert.equal(bad.status, 400);
      const fields = bad.body.error.problems.map((p: { field: string }) => p.field).join(' ');
      assert.match(fields, /timezone/);
      assert.match(fields, /expiry/);
      assert.match(fields, /weekdays/);
    });

    it('earns on orders by category with the weekday multiplier; a replayed order earns nothing more', async () => {
      // Before the programme exists, orders earn nothing.
      assert.equal((await order('O-0', 10000, [])).status, 200);
      const saved = await t.api('PUT', '/v1/loyalty/program', {
        earn: { perYuan: 1, categories: { sports: 2 } }, multipliers: { weekdays: { 5: 2 } }, expiry: { kind: 'end_of_following_year' }, negativeBalance: 'allow',
      });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      assert.equal(saved.body.startsAt, clock.now().toISOString());
      clock.advance(60_000);
      // 300 yuan paid for 400 yuan list value: the 25% discount falls on both items. Sports 150 × 2 + other 150 × 1 = 450, Friday ×2 = 900.
      const res = await order('O-1', 30000, [
        { sku: 'SHOE', category: 'sports', quantity: 1, unit_price: 20000 },
        { sku: 'MUG', category: 'home', quantity: 2, unit_price: 10000 },
      ]);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      customerId = res.body.order.customer_id;
      const m = await member();
      assert.equal(m.balance, 900);
      assert.equal(m.entries[0].kind, 'earn');
      assert.equal(m.entries[0].detail.multiplier, 2);
      assert.ok(m.entries[0].detail.applied.some((a: string) => /weekday 5 ×2/.test(a)));
      assert.equal(m.lots[0].expiresAt, '2027-12-31T16:00:00.000Z', 'end of the following year, Shanghai time');
      await order('O-1', 30000, []);
      assert.equal((await member()).balance, 900, 'replay earns nothing');
      const timeline = (await t.api('GET', `/v1/customers/${customerId}/timeline?limit=20`)).body;
      assert.ok(JSON.stringify(timeline).includes('points_earned'));
      await assertLedgerInvariants(t);
    });

    it('limits actions per day, redeems within the balance, and answers replays with the original entry', async () => {
      const first = await t.api('POST', `/v1/loyalty/members/${customerId}/actions`, { action: 'sign_in', action_id: 'sign-1120' });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.points, 5);
      const replay = await t.api('POST', `/v1/loyalty/members/${customerId}/actions`, { action: 'sign_in', action_id: 'sign-1120' });
      assert.equal(replay.status, 200);
      assert.equal(replay.body.id, first.body.id);
      const again = await t.api('POST', `/v1/loyalty/members/${customerId}/actions`, { action: 'sign_in', action_id: 'sign-1120b' });
      assert.equal(again.status, 409);
      assert.match(again.body.error.message, /at most 1 time\(s\) a day/);
      const unknown = await t.api('POST', `/v1/loyalty/members/${customerId}/actions`, { action: 'dance', action_id: 'x' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.error.message, /sign_in/);

      const tooMuch = await t.api('POST', `/v1/loyalty/members/${customerId}/redemptions`, { points: 10_000, reference: 'R-big' });
      assert.equal(tooMuch.status, 409);
      assert.match(tooMuch.body.error.message, /balance is 905/);
      const negative = await t.api('POST', `/v1/loyalty/members/${customerId}/redemptions`, { points: -5, reference: 'R-neg' });
      assert.equal(negative.status, 400);
      assert.match(JSON.stringify(negative.body), /points/);
      const spent = await t.api('POST', `/v1/loyalty/members/${customerId}/redemptions`, { points: 700, reference: 'R-1', reason: '兑换保温杯' });
      assert.equal(spent.status, 201);
      assert.equal(spent.body.balance, 205);
      const replayed = await t.api('POST', `/v1/loyalty/members/${customerId}/redemptions`, { points: 700, reference: 'R-1' });
      assert.equal(replayed.status, 200);
      assert.equal(replayed.body.id, spent.body.id);
      assert.equal((await member()).balance, 205);
      await assertLedgerInvariants(t);
    });

    it('takes points back on refunds in proportion; what was already spent becomes a debt repaid by the next earn', async () => {
      // Half of O-1 refunded: 450 of its 900 points go back. 205 are left, so 245 become a debt.
      const r1 = await t.track('/v1/orders/O-1/refunds', { refund_id: 'RF-1', amount: 15000 });
      assert.equal(r1.status, 200, JSON.stringify(r1.body));
      let m = await member();
      assert.equal(m.balance, -245);
      assert.equal(m.debt, 245);
      const reversal = m.entries.find((e: any) => e.kind === 'reverse');
      assert.equal(reversal.points, -450);
      assert.equal(reversal.detail.debt, 245);
      // The rest refunded in two parts: exactly the remaining 450 come back in total, whatever the rounding.
      await t.track('/v1/orders/O-1/refunds', { refund_id: 'RF-2', amount: 9999 });
      await t.track('/v1/orders/O-1/refunds', { refund_id: 'RF-3', amount: 5001 });
      await t.track('/v1/orders/O-1/refunds', { refund_id: 'RF-3', amount: 5001 });
      m = await member();
      assert.equal(m.entries.filter((e: any) => e.kind === 'reverse').reduce((s: number, e: any) => s + e.points, 0), -900);
      assert.equal(m.balance, -695);
      // Saturday: no multiplier; 1000 yuan earns 1000, of which 695 repay the debt.
      clock.advance(DAY);
      await order('O-2', 100000, []);
      m = await member();
      assert.equal(m.balance, 305);
      assert.equal(m.debt, 0);
      assert.equal(m.entries[0].detail.debtRepaid, 695);
      await assertLedgerInvariants(t);
    });

    it('holds points until confirmed or released, releases holds nobody confirmed, and expires lots as time passes', async () => {
      const h1 = await t.api('POST', `/v1/loyalty/members/${customerId}/holds`, { points: 100, reference: 'MALL-1' });
      assert.equal(h1.status, 201, JSON.stringify(h1.body));
      assert.equal((await member()).balance, 205);
      assert.equal((await member()).held, 100);
      const cap = await t.api('POST', `/v1/loyalty/holds/${h1.body.id}/capture`);
      assert.equal(cap.body.status, 'captured');
      assert.equal((await t.api('POST', `/v1/loyalty/holds/${h1.body.id}/release`)).status, 409, 'a captured hold cannot be released');
      assert.equal((await t.api('POST', `/v1/loyalty/holds/${h1.body.id}/capture`)).status, 200, 'capturing twice answers with the hold');

      const h2 = await t.api('POST', `/v1/loyalty/members/${customerId}/holds`, { points: 50, reference: 'POS-7' });
      clock.advance(31 * 60_000);
      await t.platform.sweeper.runOnce();
      let m = await member();
      assert.equal(m.balance, 205, 'an unconfirmed hold is released after 30 minutes');
      assert.equal(m.held, 0);
      assert.equal((await t.api('POST', `/v1/loyalty/holds/${h2.body.id}/capture`)).status, 409);

      // Past the end of 2027 (Shanghai time) everything earned in 2026 expires.
      clock.set(new Date('2027-12-31T16:00:01Z'));
      await t.platform.sweeper.runOnce();
      m = await member();
      assert.equal(m.balance, 0);
      assert.equal(m.expired_total, 205);
      assert.ok(m.entries.some((e: any) => e.kind === 'expire'));
      const liability = (await t.api('GET', '/v1/loyalty/liability')).body;
      assert.equal(liability.totals.balance, 0);
      assert.equal(liability.totals.expired, 205);
      await assertLedgerInvariants(t);
    });

    it("keeps another workspace's members out", async () => {
      const other = await createWorkspace(t.platform.ctx.db, 'Other brand');
      const res = await t.api('GET', `/v1/loyalty/members/${customerId}`, undefined, { authorization: `Bearer ${other.secretKey}` });
      assert.equal(res.status, 404);
      const redeem = await t.api('POST', `/v1/loyalty/members/${customerId}/redemptions`, { points: 1, reference: 'x' }, { authorization: `Bearer ${other.secretKey}` });
      assert.equal(redeem.status, 404);
    });
  });
}
