// Loyalty in a real browser: the liability chart and totals, the programme form refusing a tier ladder that goes
// down, a coupon created (after a refused threshold) and issued to a segment with progress, a member's ledger, a
// mall reward added, and a held referral approved from the fraud review queue.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { screenshot, signedInPage } from './helpers/browser.ts';
import { startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';

describe('loyalty in the console', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  let heldId = 0;

  before(async () => {
    t = await startPlatform('pglite');
    assert.equal((await t.api('PUT', '/v1/loyalty/program', { referral: { qualifyingEvent: 'first_order' } })).status, 200);
    for (const [user, yuan] of [['lb-1', 1200], ['lb-2', 300], ['lb-3', 80]] as const) {
      await t.track('/v1/orders', { order_id: `lb-${user}`, customer: { user_id: user }, amount: yuan * 100, placed_at: new Date().toISOString() });
    }
    assert.equal((await t.api('POST', '/v1/segments', { key: 'buyers', name: '购买客户', rule: { field: 'order_count', op: 'gte', value: 1 } })).status, 201);
    // A referral from consecutive phone numbers, held for review once the invitee buys.
    const host = (await t.track('/v1/identify', { userId: 'lb-host', traits: { phone: '13600001110' } })).body.results[0].customerId;
    const friend = (await t.track('/v1/identify', { userId: 'lb-friend', traits: { phone: '13600001111' } })).body.results[0].customerId;
    const code = (await t.api('GET', `/v1/loyalty/members/${host}/invite`)).body.code;
    const referral = await t.api('POST', '/v1/loyalty/referrals', { code, invitee_id: friend });
    assert.deepEqual(referral.body.fraud, ['phone_pattern']);
    heldId = referral.body.id;
    await t.track('/v1/orders', { order_id: 'lb-friend-1', customer: { user_id: 'lb-friend' }, amount: 5000, placed_at: new Date().toISOString() });
    await waitFor('segment of 4 buyers', async () => (await t.api('GET', '/v1/segments')).body.segments.find((x: any) => x.key === 'buyers')?.size === 4);
    ({ browser, page } = await signedInPage(t));
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows the points liability and the tiers, and refuses a tier ladder that goes down', async () => {
    await page.goto(`${t.url}/`);
    await page.getByTestId('nav-loyalty').click();
    await page.waitForURL(/\/loyalty$/);
    await page.getByTestId('liability-chart').waitFor();
    await page.getByTestId('tier-chart').waitFor();
    const liability = (await t.api('GET', '/v1/loyalty/liability')).body;
    assert.equal(await page.getByTestId('liability-total').locator('.ant-statistic-content-value').innerText(), liability.totals.balance.toLocaleString('en-US'));
    await page.getByRole('tab', { name: '规则设置' }).click();
    const gold = page.locator('[data-testid=threshold-gold] input, input[data-testid=threshold-gold]').first();
    await gold.fill('500');
    await page.getByTestId('save-programme').click();
    await page.getByTestId('tier-table').getByText("must be above the previous tier's threshold (1000)").waitFor();
    assert.equal((await t.api('GET', '/v1/loyalty/program')).body.tiers.levels[2].threshold, 5000, 'nothing saved');
  });

  it('creates a coupon after a refused threshold and issues it to a segment with progress', async () => {
    await page.getByRole('tab', { name: '优惠券' }).click();
    await page.getByText('还没有优惠券').waitFor();
    await page.getByTestId('new-coupon').click();
    await page.getByTestId('coupon-name').fill('满300减50');
    await page.getByTestId('coupon-amount').fill('50');
    await page.getByTestId('coupon-threshold').fill('30');
    await page.getByTestId('coupon-stock').fill('100');
    await page.getByTestId('create-coupon').click();
    await page.getByText('must be above the amount off').waitFor();
    await page.getByTestId('coupon-threshold').fill('300');
    await page.getByTestId('create-coupon').click();
    await page.getByTestId('coupon-table').getByText('满300减50元').waitFor();
    const template = (await t.api('GET', '/v1/loyalty/coupon-templates')).body.templates[0];
    assert.deepEqual([template.kind, template.rules.amountOff, template.rules.threshold, template.stock], ['amount_off', 5000, 30000, 100]);

    await page.getByTestId(`issue-${template.id}`).click();
    await page.getByTestId('issue-segment').click();
    await page.getByTitle('购买客户 (4)').click();
    await page.getByTestId('start-issue').click();
    await page.getByTestId('issue-progress').getByText('done').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('issue-progress').innerText(), /已处理 4\/4，发放 4/);
    const after = (await t.api('GET', '/v1/loyalty/coupon-templates')).body.templates[0];
    assert.equal(after.issued, 4);
  });

  it("opens a member's ledger, adds a mall reward, and approves a held referral", async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: '会员', exact: true }).click();
    await page.getByTestId('member-table').locator('tbody tr').first().click();
    const ledger = page.getByTestId('member-ledger');
    await ledger.getByText('积分流水').waitFor();
    assert.match(await ledger.innerText(), /可用积分\s*1200/);
    assert.match(await ledger.innerText(), /满300减50元/);
    await page.keyboard.press('Escape');

    await page.getByRole('tab', { name: '积分商城' }).click();
    await page.getByTestId('new-reward').click();
    await page.getByTestId('reward-name').fill('保温杯');
    await page.getByTestId('reward-points').fill('500');
    await page.getByTestId('reward-stock').fill('20');
    await page.getByTestId('create-reward').click();
    await page.getByTestId('reward-table').getByText('保温杯').waitFor();

    await page.getByRole('tab', { name: '邀请裂变' }).click();
    await page.getByTestId('fraud-queue').getByText('连号手机').waitFor();
    await page.screenshot({ path: screenshot('loyalty-referrals.png'), fullPage: true });
    await page.getByTestId(`approve-${heldId}`).click();
    await page.getByTestId('fraud-queue').getByText('没有待审核的邀请').waitFor();
    await waitFor('referral rewarded', async () => (await t.api('GET', '/v1/loyalty/referrals?status=rewarded')).body.referrals.length === 1);
  });
});
