// The loyalty programme beyond the points ledger, on the running platform: tiers (upgrade at once, refund takes a
// bought tier back, warning before review, kept or lowered at review), coupons (limits, stock, lock-then-confirm,
// foreign, expired, stacking, lock timeout, bulk issue), the points mall (points, points + cash, timeouts, refunds),
// referrals (rewards on the first order, task bonus, fraud held for review) and the mini-program wallet.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ManualClock } from '../src/kernel/clock.ts';
import { createWorkspace } from '../src/access/workspaces.ts';
import { assertLedgerInvariants } from './helpers/ledger.ts';

const DAY = 86_400_000;

for (const engine of ENGINES) {
  describe(`loyalty programme (${engine})`, () => {
    let t: TestPlatform;
    // Monday 2026-11-23, 10:00 in Shanghai.
    const clock = new ManualClock(new Date('2026-11-23T02:00:00Z'));
    before(async () => {
      t = await startPlatform(engine, { clock, runImports: false });
      const saved = await t.api('PUT', '/v1/loyalty/program', { expiry: { kind: 'never' }, referral: { qualifyingEvent: 'first_order', task: { invites: 2, withinDays: 7, points: 500 } } });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      clock.advance(1000);
    });
    after(async () => t.close());

    let seq = 0;
    const person = async (userId: string, phone?: string) => {
      const r = await t.track('/v1/identify', { userId, messageId: `id-${userId}`, traits: phone ? { phone } : {} });
      return r.body.results[0].customerId as number;
    };
    const order = async (userId: string, yuan: number, id = `O-${++seq}`) => {
      const r = await t.track('/v1/orders', { order_id: id, customer: { user_id: userId }, amount: yuan * 100, currency: 'CNY', items: [], placed_at: clock.now().toISOString() });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return { id, customerId: r.body.order.customer_id as number };
    };
    const tier = async (id: number) => (await t.api('GET', `/v1/loyalty/members/${id}/tier`)).body;
    const balance = async (id: number) => (await t.api('GET', `/v1/loyalty/members/${id}`)).body.balance as number;
    const timeline = async (id: number) => (await t.api('GET', `/v1/customers/${id}/timeline?limit=200`)).body.entries.filter((e: any) => e.kind === 'event').map((e: any) => e.detail);
    const events = async (id: number) => (await timeline(id)).map((e: any) => e.event) as string[];
    const sweep = async () => {
      while (await t.platform.sweeper.runOnce()) {}
    };

    describe('tiers', () => {
      let lin = 0;
      let upgradeOrder = '';

      it('shows progress, upgrades as soon as the threshold is crossed, and earns at the tier held when the order was placed', async () => {
        lin = (await order('tier-lin', 800)).customerId;
        const before = await tier(lin);
        assert.equal(before.tier.key, 'bronze');
        assert.equal(before.growth, 800);
        assert.equal(before.message.zh, '再消费200元可升级到银卡');
        upgradeOrder = (await order('tier-lin', 300)).id;
        const after = await tier(lin);
        assert.equal(after.tier.key, 'silver');
        assert.equal(after.tier.benefits.pointsMultiplier, 1.2);
        assert.equal(after.history[0].reason, 'upgrade');
        assert.equal(await balance(lin), 1100, 'both orders earned at bronze ×1');
        await order('tier-lin', 100);
        assert.equal(await balance(lin), 1220, 'the next order earns at silver ×1.2');
        assert.ok((await events(lin)).includes('tier_upgraded'));
      });

      it('takes a tier back when the order that bought it is refunded', async () => {
        const refund = await t.track(`/v1/orders/${upgradeOrder}/refunds`, { refund_id: `${upgradeOrder}-r`, amount: 30000 });
        assert.equal(refund.status, 200, JSON.stringify(refund.body));
        const now = await tier(lin);
        assert.equal(now.growth, 900);
        assert.equal(now.tier.key, 'bronze');
        assert.equal(now.history[0].reason, 'refund');
      });

      it('warns before the review, then keeps a tier whose growth held up and lowers one whose did not', async () => {
        const keeper = (await order('tier-keep', 1200)).customerId;
        const lapser = (await order('tier-lapse', 1500)).customerId;
        assert.equal((await tier(keeper)).tier.key, 'silver');
        assert.equal((await tier(lapser)).tier.key, 'silver');
        clock.advance(200 * DAY);
        await order('tier-keep', 1000);
        clock.advance(140 * DAY);   // 340 days in: inside the 30-day warning window
        await sweep();
        const warning = (await timeline(lapser)).find((e: any) => e.event === 'tier_downgrade_warning');
        assert.ok(warning, 'the lapsing member is warned');
        assert.equal(warning.properties.needed, 1000 - 0, 'the growth that earned silver rolls out of the period at review');
        assert.ok(!(await events(keeper)).includes('tier_downgrade_warning'), 'a member on course is not warned');
        clock.advance(26 * DAY);    // past the review (365 days after the upgrade)
        await sweep();
        assert.equal((await tier(keeper)).tier.key, 'silver');
        assert.equal((await tier(keeper)).history[0].reason, 'retained');
        assert.equal((await tier(lapser)).tier.key, 'bronze');
        assert.ok((await events(lapser)).includes('tier_downgraded'));
        const levels = (await t.api('GET', '/v1/loyalty/tiers')).body.levels;
        assert.equal(levels.find((l: any) => l.key === 'silver').members, 1);
      });

      it('refuses tiers that make no sense, naming the field', async () => {
        const bad = await t.api('PUT', '/v1/loyalty/program', { tiers: { levels: [{ key: 'a', name: 'A', threshold: 10 }, { key: 'b', name: 'B', threshold: 5 }] } });
        assert.equal(bad.status, 400);
        const fields = bad.body.error.problems.map((p: any) => p.field).join(' ');
        assert.match(fields, /tiers\.levels\.0\.threshold/);
        assert.match(fields, /tiers\.levels\.1\.threshold/);
      });
    });

    describe('coupons', () => {
      let a = 0;
      let b = 0;
      let fifty = 0;
      let tenPct = 0;
      let aCode = '';

      it('refuses a template that makes no sense and creates 满减 and percent-off templates', async () => {
        const bad = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: 'x', amountOff: 5000, threshold: 3000 });
        assert.equal(bad.status, 400);
        assert.match(bad.body.error.problems[0].field, /threshold$/);
        const f = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'amount_off', name: '满300减50', amountOff: 5000, threshold: 30000, stock: 3, perCustomer: 1, stacking: 'stackable', validity: { kind: 'after_issue', days: 10 } });
        assert.equal(f.status, 201, JSON.stringify(f.body));
        assert.equal(f.body.text.zh, '满300减50元');
        fifty = f.body.id;
        const p = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'percent_off', name: '9折', percentOff: 10, maxDiscount: 2000, perCustomer: 0, stacking: 'stackable', pointsPrice: 100 });
        tenPct = p.body.id;
      });

      it('issues within the per-member limit and the stock; replays answer with the same coupon; points buy a coupon', async () => {
        a = (await order('cp-a', 500)).customerId;
        b = (await order('cp-b', 500)).customerId;
        const first = await t.api('POST', `/v1/loyalty/members/${a}/coupons`, { template_id: fifty, reference: 'claim-a' });
        assert.equal(first.status, 201, JSON.stringify(first.body));
        aCode = first.body.code;
        const replay = await t.api('POST', `/v1/loyalty/members/${a}/coupons`, { template_id: fifty, reference: 'claim-a' });
        assert.equal(replay.status, 200);
        assert.equal(replay.body.code, aCode);
        const again = await t.api('POST', `/v1/loyalty/members/${a}/coupons`, { template_id: fifty, reference: 'claim-a2' });
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, 'coupon_limit');
        assert.equal((await t.api('POST', `/v1/loyalty/members/${b}/coupons`, { template_id: fifty, reference: 'claim-b' })).status, 201);
        const c = (await order('cp-c', 10)).customerId;
        const d = (await order('cp-d', 10)).customerId;
        assert.equal((await t.api('POST', `/v1/loyalty/members/${c}/coupons`, { template_id: fifty, reference: 'claim-c' })).status, 201);
        const out = await t.api('POST', `/v1/loyalty/members/${d}/coupons`, { template_id: fifty, reference: 'claim-d' });
        assert.equal(out.status, 409);
        assert.equal(out.body.error.code, 'out_of_stock');
        const before = await balance(a);
        const bought = await t.api('POST', `/v1/loyalty/members/${a}/coupons`, { template_id: tenPct, reference: 'buy-a' });
        assert.equal(bought.status, 201);
        assert.equal(await balance(a), before - 100);
        const issued = (await timeline(a)).find((e: any) => e.event === 'coupon_issued' && e.properties.template_id === fifty);
        assert.equal(issued.properties.text, '满300减50元');
        assert.equal(new Date(issued.properties.valid_to).getTime(), clock.now().getTime() + 10 * DAY);
      });

      it('refuses paused, ended and tier-only templates with the reason, leaving nothing behind', async () => {
        const vip = (await order('cp-vip', 1200)).customerId;
        const claim = (id: number, template: number, reference: string) => t.api('POST', `/v1/loyalty/members/${id}/coupons`, { template_id: template, reference });
        const held = async (id: number) => (await t.api('GET', `/v1/loyalty/members/${id}/coupons`)).body.coupons.length as number;
        const heldBefore = await held(a);

        const silver = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'shipping', name: '银卡包邮', shippingOff: 1000, tiers: ['silver', 'gold'] });
        const notSilver = await claim(a, silver.body.id, 'tier-a');
        assert.equal(notSilver.status, 409);
        assert.equal(notSilver.body.error.code, 'tier_required');
        assert.match(notSilver.body.error.message, /this member is bronze/);
        assert.equal((await claim(vip, silver.body.id, 'tier-vip')).status, 201);

        const paused = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'gift', name: '暂停礼', gift: '贴纸' });
        await t.api('POST', `/v1/loyalty/coupon-templates/${paused.body.id}/status`, { status: 'paused' });
        assert.equal((await claim(a, paused.body.id, 'paused-a')).body.error.code, 'template_paused');
        await t.api('POST', `/v1/loyalty/coupon-templates/${paused.body.id}/status`, { status: 'active' });
        assert.equal((await claim(a, paused.body.id, 'paused-a')).status, 201, 'a refused reference may be used again');

        const from = new Date(clock.now().getTime() - 10 * DAY).toISOString();
        const to = new Date(clock.now().getTime() - DAY).toISOString();
        const ended = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'gift', name: '过期礼', gift: '贴纸', validity: { kind: 'fixed', from, to } });
        const late = await claim(a, ended.body.id, 'ended-a');
        assert.equal(late.body.error.code, 'template_ended');
        assert.match(late.body.error.message, /ended on/);
        assert.equal(await held(a), heldBefore + 1, 'only the resumed gift was issued');
        assert.equal((await claim(a, 999_999, 'nothing')).status, 404);
      });

      it('validates, locks for one checkout, refuses a second checkout and foreign members, then confirms once', async () => {
        const small = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: a, codes: [aCode], order: { amount: 20000 } });
        assert.equal(small.body.ok, false);
        assert.match(small.body.coupons[0].reason, /needs ¥300\.00/);
        const foreign = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: b, codes: [aCode], order: { amount: 40000 } });
        assert.match(foreign.body.coupons[0].reason, /another member/);
        const ok = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: a, codes: [aCode], order: { amount: 40000 } });
        assert.equal(ok.body.discount, 5000);
        const lock = await t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: a, codes: [aCode], order: { amount: 40000 }, reference: 'pos-1' });
        assert.equal(lock.status, 201, JSON.stringify(lock.body));
        const second = await t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: a, codes: [aCode], order: { amount: 40000 }, reference: 'pos-2' });
        assert.equal(second.status, 409);
        assert.match(second.body.error.message, /in use by another checkout/);
        assert.equal((await t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: a, codes: [aCode], order: { amount: 40000 }, reference: 'pos-1' })).status, 200);
        const done = await t.api('POST', '/v1/loyalty/checkout/pos-1/confirm', { order_id: 'POS-ORDER-1' });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(done.body.coupons[0].status, 'redeemed');
        assert.equal((await t.api('POST', '/v1/loyalty/checkout/pos-1/confirm', { order_id: 'POS-ORDER-1' })).body.duplicate, true);
        const used = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: a, codes: [aCode], order: { amount: 40000 } });
        assert.match(used.body.coupons[0].reason, /already used on order POS-ORDER-1/);
        const templates = (await t.api('GET', '/v1/loyalty/coupon-templates')).body.templates;
        assert.deepEqual(((x) => [x.issued, x.redeemed])(templates.find((x: any) => x.id === fifty)), [3, 1]);
        assert.ok((await events(a)).includes('coupon_redeemed'));
      });

      it('stacks stackable coupons, releases a lock nobody confirmed, and refuses expired coupons', async () => {
        const bCode = (await t.api('GET', `/v1/loyalty/members/${b}/coupons`)).body.coupons[0].code;
        const pct = await t.api('POST', `/v1/loyalty/members/${b}/coupons`, { template_id: tenPct, reference: 'buy-b' });
        const both = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: b, codes: [bCode, pct.body.code], order: { amount: 40000 } });
        assert.equal(both.body.ok, true, JSON.stringify(both.body));
        assert.equal(both.body.discount, 5000 + 2000, '¥50 off, then 10% capped at ¥20');
        const lock = await t.api('POST', '/v1/loyalty/checkout/lock', { customer_id: b, codes: [bCode], order: { amount: 40000 }, reference: 'mini-1' });
        assert.equal(lock.status, 201);
        clock.advance(31 * 60_000);
        await sweep();
        const mine = (await t.api('GET', `/v1/loyalty/members/${b}/coupons`)).body.coupons.find((c: any) => c.code === bCode);
        assert.equal(mine.status, 'issued', 'the timed-out lock was released');
        assert.equal((await t.api('POST', '/v1/loyalty/checkout/mini-1/confirm', { order_id: 'late' })).status, 404);
        clock.advance(10 * DAY);
        const expired = await t.api('POST', '/v1/loyalty/checkout/validate', { customer_id: b, codes: [bCode], order: { amount: 40000 } });
        assert.match(expired.body.coupons[0].reason, /expired/);
      });

      it('issues in bulk with progress, counting members it skips by reason', async () => {
        const gift = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'gift', name: '会员礼', gift: '帆布袋', perCustomer: 1, stock: 100 });
        const ids = [a, b, a];
        await t.api('POST', `/v1/loyalty/members/${b}/coupons`, { template_id: gift.body.id, reference: 'gift-b' });
        const job = await t.api('POST', `/v1/loyalty/coupon-templates/${gift.body.id}/issue`, { customerIds: ids, reference: 'bulk-1' });
        assert.equal(job.status, 202, JSON.stringify(job.body));
        assert.equal(job.body.total, 2);
        await sweep();
        const done = (await t.api('GET', `/v1/loyalty/coupon-issues/${job.body.id}`)).body;
        assert.equal(done.status, 'done');
        assert.equal(done.done, 2);
        assert.equal(done.issued, 1);
        assert.deepEqual(done.skipped, { coupon_limit: 1 });
        assert.equal((await t.api('POST', `/v1/loyalty/coupon-templates/${gift.body.id}/issue`, { reference: 'bulk-2' })).status, 400);
      });

      it("keeps another workspace's coupons and members out", async () => {
        const other = await createWorkspace(t.platform.ctx.db, 'Other brand');
        const h = { authorization: `Bearer ${other.secretKey}` };
        assert.equal((await t.api('GET', '/v1/loyalty/coupon-templates', undefined, h)).body.templates.length, 0);
        assert.equal((await t.api('POST', `/v1/loyalty/members/${a}/coupons`, { template_id: fifty, reference: 'x' }, h)).status, 404);
      });
    });

    describe('points mall', () => {
      let m = 0;
      it('sells for points within stock and the member limit, refunds give the points and the stock back', async () => {
        m = (await order('mall-m', 2000)).customerId;
        const start = await balance(m);
        const cup = await t.api('POST', '/v1/loyalty/mall/rewards', { name: '保温杯', kind: 'goods', pointsPrice: 500, stock: 2, perCustomer: 1 });
        assert.equal(cup.status, 201, JSON.stringify(cup.body));
        const bought = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: cup.body.id, reference: 'mall-1' });
        assert.equal(bought.status, 201, JSON.stringify(bought.body));
        assert.equal(bought.body.status, 'paid');
        assert.equal(await balance(m), start - 500);
        assert.equal((await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: cup.body.id, reference: 'mall-1' })).status, 200);
        const twice = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: cup.body.id, reference: 'mall-2' });
        assert.equal(twice.status, 409);
        assert.equal(twice.body.error.code, 'limit_reached');
        const refunded = await t.api('POST', `/v1/loyalty/mall/orders/${bought.body.id}/refund`);
        assert.equal(refunded.body.status, 'refunded');
        assert.equal(await balance(m), start);
        assert.equal((await t.api('GET', '/v1/loyalty/mall/rewards')).body.rewards.find((r: any) => r.id === cup.body.id).sold, 0);
        const poor = (await person('mall-poor'));
        const broke = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: poor, reward_id: cup.body.id, reference: 'mall-3' });
        assert.equal(broke.status, 409);
        assert.equal(broke.body.error.code, 'insufficient_points');
      });

      it('holds the points of a points + cash order until paid, and cancels an unpaid one when the hold times out', async () => {
        const start = await balance(m);
        const bag = await t.api('POST', '/v1/loyalty/mall/rewards', { name: '帆布包', kind: 'goods', pointsPrice: 300, cashPrice: 990, stock: 5 });
        const paid = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: bag.body.id, reference: 'pc-1' });
        assert.equal(paid.body.status, 'pending_payment');
        assert.equal(await balance(m), start - 300);
        assert.equal((await t.api('POST', `/v1/loyalty/mall/orders/${paid.body.id}/pay`)).body.status, 'paid');
        const unpaid = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: bag.body.id, reference: 'pc-2' });
        assert.equal(await balance(m), start - 600);
        clock.advance(31 * 60_000);
        await sweep();
        const orders = (await t.api('GET', `/v1/loyalty/mall/orders?customer_id=${m}`)).body.orders;
        assert.equal(orders.find((o: any) => o.id === unpaid.body.id).status, 'cancelled');
        assert.equal(await balance(m), start - 300);
        assert.equal((await t.api('GET', '/v1/loyalty/mall/rewards')).body.rewards.find((r: any) => r.id === bag.body.id).sold, 1);
        await assertLedgerInvariants(t);
      });

      it('delivers a coupon reward at once', async () => {
        const tpl = await t.api('POST', '/v1/loyalty/coupon-templates', { kind: 'shipping', name: '免邮券', shippingOff: 1000, perCustomer: 0 });
        const reward = await t.api('POST', '/v1/loyalty/mall/rewards', { name: '免邮券', kind: 'coupon', couponTemplateId: tpl.body.id, pointsPrice: 50 });
        const got = await t.api('POST', '/v1/loyalty/mall/orders', { customer_id: m, reward_id: reward.body.id, quantity: 2, reference: 'cp-mall' });
        assert.equal(got.body.status, 'fulfilled', JSON.stringify(got.body));
        assert.equal(got.body.coupon_ids.length, 2);
        const wallet = (await t.api('GET', `/v1/loyalty/members/${m}/wallet`)).body;
        assert.equal(wallet.coupons.filter((c: any) => c.templateId === tpl.body.id).length, 2);
        assert.equal(wallet.points.balance, await balance(m));
        assert.ok(wallet.tier.message.zh.length > 0);
        assert.ok(wallet.mall.length >= 2);
      });
    });

    describe('referrals', () => {
      it('rewards both sides on the invitee\'s first order, pays the task bonus, and refuses self-invites and second referrers', async () => {
        const host = (await order('ref-host', 100)).customerId;
        const code = (await t.api('GET', `/v1/loyalty/members/${host}/invite`)).body.code;
        const self = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: host });
        assert.equal(self.status, 409);
        assert.equal(self.body.error.code, 'self_invite');
        const buyer = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: (await order('ref-old', 10)).customerId });
        assert.equal(buyer.body.error.code, 'not_new');
        const start = await balance(host);
        const f1 = await person('ref-f1', '13900000001');
        const f2 = await person('ref-f2', '15811112222');
        const r1 = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: f1, device_id: 'dev-f1' });
        assert.equal(r1.status, 201, JSON.stringify(r1.body));
        assert.equal((await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: f1 })).status, 200);
        await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: f2, device_id: 'dev-f2' });
        await order('ref-f1', 50);
        assert.equal(await balance(f1), 100 + 50, 'invitee reward + own order');
        assert.equal(await balance(host), start + 200);
        await order('ref-f2', 50);
        assert.equal(await balance(host), start + 200 + 200 + 500, 'second qualified invitee within 7 days completes the task');
        const other = (await order('ref-other', 10)).customerId;
        const otherCode = (await t.api('GET', `/v1/loyalty/members/${other}/invite`)).body.code;
        const f3 = await person('ref-f3');
        await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: f3 });
        const second = await t.api('POST', '/v1/loyalty/referrals', { code: otherCode, invitee_id: f3 });
        assert.equal(second.body.error.code, 'already_referred');
        const board = (await t.api('GET', '/v1/loyalty/referrals/leaderboard')).body.leaders;
        assert.equal(board[0].customerId, host);
        assert.equal(board[0].rewarded, 2);
      });

      it('holds referrals from the same device, consecutive phone numbers and rings for review; approve pays, reject does not', async () => {
        const ring = (await order('ring-a', 10)).customerId;
        const code = (await t.api('GET', `/v1/loyalty/members/${ring}/invite`)).body.code;
        const s1 = await person('sus-1', '13700001234');
        const s2 = await person('sus-2', '13700001235');
        const s3 = await person('sus-3', '18612345678');
        await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: s1, device_id: 'shared-phone' });
        const pattern = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: s2, device_id: 'other' });
        assert.deepEqual(pattern.body.fraud, ['phone_pattern']);
        const device = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: s3, device_id: 'shared-phone' });
        assert.deepEqual(device.body.fraud, ['same_device']);
        const start = await balance(ring);
        await order('sus-2', 20);
        await order('sus-3', 20);
        assert.equal(await balance(ring), start, 'held referrals pay nothing');
        const queue = (await t.api('GET', '/v1/loyalty/referrals?status=held')).body.referrals;
        assert.equal(queue.length, 2);
        const approved = await t.api('POST', `/v1/loyalty/referrals/${pattern.body.id}/approve`);
        assert.equal(approved.body.status, 'rewarded');
        assert.equal(await balance(ring), start + 200);
        const rejected = await t.api('POST', `/v1/loyalty/referrals/${device.body.id}/reject`);
        assert.equal(rejected.body.status, 'rejected');
        assert.equal((await t.api('POST', `/v1/loyalty/referrals/${device.body.id}/approve`)).status, 409);
        // A ring: x invites y, then y's code is used for x.
        const x = await person('ring-x');
        const y = await person('ring-y');
        const xCode = (await t.api('GET', `/v1/loyalty/members/${x}/invite`)).body.code;
        assert.deepEqual((await t.api('POST', '/v1/loyalty/referrals', { code: xCode, invitee_id: y })).body.fraud, []);
        const yCode = (await t.api('GET', `/v1/loyalty/members/${y}/invite`)).body.code;
        const ringed = await t.api('POST', '/v1/loyalty/referrals', { code: yCode, invitee_id: x });
        assert.equal(ringed.status, 201, JSON.stringify(ringed.body));
        assert.deepEqual(ringed.body.fraud, ['ring']);
        await assertLedgerInvariants(t);
      });
    });
  });
}
