// Tags, segments and layers in a real browser, on a small demo brand.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { demoConsole, screenshot } from './helpers/browser.ts';
import type { TestPlatform } from './helpers/platform.ts';

describe('segments, tags and layers in the console', () => {
  let t: TestPlatform;
  let page: Page;
  let session: Awaited<ReturnType<typeof demoConsole>> | undefined;

  before(async () => {
    session = await demoConsole({ customers: 300, seed: 5 });
    ({ t, page } = session);
  });
  after(async () => session?.close());

  it('builds a segment with a live count, saves it and shows its size', async () => {
    await page.goto(`${t.url}/segments`);
    await page.getByTestId('new-segment').click();
    const count = page.getByTestId('live-count');
    await count.waitFor();
    // Default rule: order_count ≥ 1. The count is answered by the server while editing.
    const buyers = (await t.api('POST', '/v1/segments/preview', { rule: { all: [{ field: 'order_count', op: 'gte', value: 1 }] } })).body.count;
    await page.waitForFunction((n) => document.querySelector('[data-testid=live-count]')?.textContent?.replace(/,/g, '').includes(String(n)), buyers);
    await page.locator('input[data-testid=condition-value], [data-testid=condition-value] input').first().fill('3');
    const repeaters = (await t.api('POST', '/v1/segments/preview', { rule: { all: [{ field: 'order_count', op: 'gte', value: 3 }] } })).body.count;
    assert.notEqual(repeaters, buyers);
    await page.waitForFunction((n) => document.querySelector('[data-testid=live-count]')?.textContent?.replace(/,/g, '').startsWith(String(n)), repeaters);
    await page.getByTestId('segment-key').fill('loyal');
    await page.getByTestId('segment-name').fill('三单以上');
    await page.getByTestId('save-segment').click();
    await page.waitForURL(/\/segments\/loyal$/);
    await page.getByTestId('segment-history').waitFor();
    const seg = (await t.api('GET', '/v1/segments/loyal')).body;
    assert.equal(seg.size, repeaters);
    await page.screenshot({ path: screenshot('segment.png') });
  });

  it('computes RFM in the layers page and shows the eight cells; the tag library lists them', async () => {
    await page.goto(`${t.url}/layers`);
    await page.getByTestId('compute-rfm').click();
    await page.getByTestId('rfm-chart').waitFor();
    await page.getByText('重要价值').first().waitFor();
    await page.screenshot({ path: screenshot('layers.png') });
    await page.goto(`${t.url}/tags`);
    await page.getByText('行为特征').first().click();
    await page.getByText('重要价值').first().waitFor();
  });

  it('fits the CLV model from the predictions page and shows its parameters and predicted tags in the 360', async () => {
    await page.goto(`${t.url}/predictions`);
    await page.getByTestId('fit-clv').click();
    await page.getByTestId('clv-params').waitFor({ timeout: 30_000 });
    await page.getByTestId('palive-chart').waitFor();
    await page.getByTestId('tracking-chart').waitFor();
    // Held-out accuracy and the Pareto/NBD challenger are shown with the version.
    await page.getByTestId('clv-backtest').waitFor();
    await page.getByTestId('pareto-challenger').waitFor();
    const high = (await t.api('GET', '/v1/tags/pred_high_value')).body;
    assert.ok(high.coverage > 0);
    const c = (await t.api('GET', '/v1/customers?has_orders=true&limit=1')).body.customers[0];
    await page.goto(`${t.url}/customers/${c.id}`);
    await page.getByTestId('customer-tags').waitFor();
    assert.match(await page.getByTestId('customer-tags').innerText(), /P\(alive\)/);
    await page.screenshot({ path: screenshot('predictions-360.png'), fullPage: true });
  });
});
