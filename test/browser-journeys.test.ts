// Reaching customers in a real browser: a channel set up on the channels page, a template refused for an unknown
// variable then saved and previewed for a real customer, a journey built on the canvas (a step added, an exit
// dragged to the next step), refused at publish with the problem on its node, published, and then showing how many
// customers passed each step; a broadcast composed to a segment, followed to completion with its recipients.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { screenshot, signedInPage } from './helpers/browser.ts';
import { startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';

describe('journeys, broadcasts, templates and channels in the console', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  const ids: number[] = [];

  before(async () => {
    t = await startPlatform('pglite');
    // The test runs on the real clock: no quiet hours, so a night-time run sends at once.
    assert.equal((await t.api('PUT', '/v1/messaging/policy', { quietHours: null })).status, 200);
    for (let i = 0; i < 12; i++) {
      const r = await t.track('/v1/identify', { userId: `web-${i}`, messageId: `web-${i}`, traits: { name: `顾客${i}`, club: 'yes' } });
      ids.push(r.body.results[0].customerId);
      await t.api('PUT', `/v1/customers/${r.body.results[0].customerId}/consents`, { consents: [{ channel: 'inbox', granted: true }] });
    }
    assert.equal((await t.api('POST', '/v1/segments', { key: 'club', name: '俱乐部会员', rule: { field: 'traits.club', op: 'eq', value: 'yes' } })).status, 201);
    await waitFor('club segment', async () => (await t.api('GET', '/v1/segments')).body.segments.find((s: any) => s.key === 'club')?.size === 12);
    ({ browser, page } = await signedInPage(t));
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sets up the inbox channel on the channels page', async () => {
    await page.goto(`${t.url}/channels`);
    await page.getByText('还没有渠道').waitFor();
    await page.getByTestId('ch-name').fill('inbox');
    await page.getByTestId('ch-save').click();
    await page.getByTestId('channel-list').getByText('控制台收件箱（演示）').waitFor();
    assert.equal((await t.api('GET', '/v1/channels')).body.channels[0].kind, 'inbox');
  });

  it('refuses a template with an unknown variable under the body, then saves it and previews it for a customer', async () => {
    await page.goto(`${t.url}/content`);
    await page.getByTestId('new-template').click();
    await page.getByTestId('tpl-key').fill('club_hello');
    await page.getByTestId('tpl-name').fill('俱乐部问候');
    await page.getByTestId('tpl-body').fill('{{ customer.nickname }} 你好');
    await page.getByTestId('save-template').click();
    await page.getByText('unknown variable "customer.nickname"').first().waitFor();
    await page.getByTestId('tpl-body').fill('{{ customer.name }}，俱乐部周末活动开始啦');
    await page.locator('[data-testid=preview-customer] input, input[data-testid=preview-customer]').first().fill(String(ids[3]));
    await page.getByTestId('template-preview').getByText('顾客3，俱乐部周末活动开始啦').waitFor();
    await page.getByTestId('save-template').click();
    await page.getByTestId('template-list').getByText('俱乐部问候').waitFor();
    await page.screenshot({ path: screenshot('templates.png') });
  });

  it('builds a journey on the canvas, shows the problem on its step, publishes, and counts customers per step', async () => {
    await page.goto(`${t.url}/journeys`);
    await page.getByTestId('new-journey').click();
    await page.waitForURL(/\/journeys\/\d+$/);
    const id = Number(/\/journeys\/(\d+)$/.exec(page.url())![1]);
    await page.getByTestId('journey-name').fill('俱乐部欢迎');
    // The first step becomes the start; a send without a template is refused on its node.
    await page.getByTestId('add-send').click();
    await page.getByTestId('add-wait').click();
    await page.locator('.ant-drawer-close').click();
    await page.locator('[data-testid=node-send_1] .react-flow__handle.source').dragTo(page.locator('[data-testid=node-wait_1] .react-flow__handle.target'));
    await page.getByTestId('publish-journey').click();
    await page.getByTestId('problem-send_1').getByText('choose a template').waitFor();
    await page.getByTestId('journey-problems').waitFor();
    const saved = (await t.api('GET', `/v1/journeys/${id}`)).body;
    assert.equal(saved.draft.nodes.send_1.next, 'wait_1', 'the dragged edge is saved in the draft');
    assert.equal(saved.status, 'draft');

    await page.getByTestId('node-send_1').click();
    await page.getByTestId('node-template').click();
    await page.locator('.ant-select-item-option').getByText('俱乐部问候').click();
    await page.getByTestId('publish-journey').click();
    await page.getByTestId('journey-status').getByText('live v1').waitFor();

    for (const c of ids.slice(0, 5)) await t.track('/v1/track', { userId: `web-${ids.indexOf(c)}`, event: 'signed_up', messageId: `su-${c}` });
    await waitFor('five welcomed', async () => (await t.api('GET', `/v1/journeys/${id}/stats`)).body.messages?.sent === 5, 20_000);
    await page.getByTestId('count-send_1').getByText('经过 5').waitFor({ timeout: 15_000 });
    await page.getByTestId('count-wait_1').getByText('停留 5').waitFor();
    await page.getByTestId('journey-stats').waitFor();
    await page.screenshot({ path: screenshot('journey-canvas.png') });
  });

  it('composes a broadcast to a segment with the reachable audience, and follows it to completion', async () => {
    await page.goto(`${t.url}/broadcasts`);
    await page.getByTestId('bc-name').fill('周末群发');
    for (const [field, option] of [['bc-segment', '俱乐部会员 (12)'], ['bc-channel', 'inbox (inbox)'], ['bc-template', '俱乐部问候']]) {
      await page.getByTestId(field).click();
      await page.locator('.ant-select-item-option').getByText(option, { exact: true }).click();
    }
    await page.getByTestId('bc-estimate').getByText('分群 12 人，其中 12 人可接收').waitFor();
    await page.getByTestId('bc-submit').click();
    await page.getByTestId('bc-detail').waitFor();
    await page.getByTestId('bc-status').getByText('completed').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid=bc-progress].ant-progress-status-success, [data-testid=bc-progress] .ant-progress-status-success').first().waitFor();
    await waitFor('12 rows', async () => (await page.getByTestId('bc-recipients').locator('tbody tr.ant-table-row').count()) === 12, 10_000);
    const list = (await t.api('GET', '/v1/broadcasts')).body.broadcasts;
    assert.equal(list[0].name, '周末群发');
    await page.screenshot({ path: screenshot('broadcast.png'), fullPage: true });
  });
});
