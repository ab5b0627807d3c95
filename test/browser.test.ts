// The console in a real browser (Debian's chromium driven by playwright-core): log in, import a file, open a customer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import crypto from 'node:crypto';
import { startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';
import { deleteStream, NATS_URL } from './helpers/nats.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { launchBrowser, screenshot } from './helpers/browser.ts';

describe('console in a browser', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;
  // With the ingest log on (and no applier), so the import page shows its card.
  const stream = `SIYU_T_${crypto.randomBytes(4).toString('hex')}`;

  before(async () => {
    assert.ok(fs.existsSync('web/dist/index.html'), 'build the console first: npm run build:web');
    t = await startPlatform('pglite', { config: { ingestBuffer: NATS_URL, ingestStream: stream, ingestAppliers: 0 } });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await deleteStream(stream);
  });

  it('logs in (zh-CN by default), shows the overview and switches to English', async () => {
    await page.goto(t.url);
    await page.getByTestId('login-email').fill(t.owner.email);
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').waitFor();
    assert.match(await page.getByTestId('login-error').innerText(), /Wrong email or password/);
    await page.getByTestId('login-password').fill(t.owner.password);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('overview').waitFor();
    assert.ok(await page.getByText('客户总数').isVisible());
    await page.getByTestId('lang-switch').click();
    await page.getByText('Customers', { exact: true }).first().waitFor();
    await page.getByTestId('lang-switch').click();
    await page.getByText('客户总数').waitFor();
    // Pages not built yet say so.
    await page.getByText('社群运营').click();
    await page.getByText('此功能尚未实现').waitFor();
  });

  it('imports an order file with a bad row, shows progress to completion and offers the error report', async () => {
    const file = path.join(os.tmpdir(), `browser-orders-${Date.now()}.csv`);
    fs.writeFileSync(file, ['订单号,手机号,姓名,下单时间,商品编码,商品名称,数量,单价', 'W-1,13512345678,,2026-11-11 10:00:00,CAM-501,双11臻选礼盒,1,699.00', 'W-2,13512345678,,not-a-date,CAM-101,精华水,1,189.00'].join('\n'));
    await page.getByText('数据导入').click();
    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByText('已完成').waitFor({ timeout: 30_000 });
    const report = page.getByTestId('error-report');
    await report.waitFor();
    assert.match(await report.innerText(), /^1/);
    await page.screenshot({ path: screenshot('imports.png') });
  });

  it('shows the ingest log on the import page and replays an entry that was set aside', async () => {
    const entry = { workspaceId: t.ws.id, receivedAt: new Date().toISOString(), items: [{ index: 0, message: { type: 'track', userId: 'u-dead', event: 'X', messageId: 'dead-1' } }] };
    await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query(
      `INSERT INTO ingest_dead_letters (workspace_id, entry, messages, error, deliveries, created_at) VALUES ($1, $2, 1, 'database refused the entry', 5, now())`,
      [t.ws.id, t.platform.ctx.pii.sealBytes(JSON.stringify(entry))]));
    await page.reload();
    const card = page.getByTestId('ingest-log');
    await card.getByText('database refused the entry').waitFor();
    await card.getByRole('button', { name: '重新投递' }).click();
    await card.getByText('没有被搁置的条目，一切正常。').waitFor();
    await waitFor('entry back in the log', async () => (await t.platform.ingestLog!.backlogOf(t.ws.id)) === 1);
    await page.screenshot({ path: screenshot('ingest-log.png') });
  });

  it('finds the customer and opens the 360 page with the order on the timeline', async () => {
    await page.getByText('客户', { exact: true }).first().click();
    await page.getByTestId('customer-search').locator('input').fill('13512345678');
    await page.getByTestId('customer-search').locator('input').press('Enter');
    await page.screenshot({ path: screenshot('customers.png') });
    await page.getByText('135****5678').click();
    await page.getByTestId('customer-360').waitFor();
    await page.getByText('W-1').first().waitFor();
    assert.ok(await page.getByText('¥699.00').first().isVisible());
    await page.getByTestId('reveal').click();
    await page.getByText('13512345678').first().waitFor();
    await page.screenshot({ path: screenshot('customer360.png'), fullPage: true });
  });
});
