// Analytics in a real browser on a small demo brand: headline cards, a metric with its definition and breakdown
// exported as CSV and PNG, the classic funnel with a step saved as a segment, retention, paths, attribution, a
// chart pinned to my dashboard, and a weekly report generated, read and downloaded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { demoConsole, screenshot } from './helpers/browser.ts';
import type { TestPlatform } from './helpers/platform.ts';

describe('analytics in the console', () => {
  let t: TestPlatform;
  let page: Page;
  let session: Awaited<ReturnType<typeof demoConsole>> | undefined;

  before(async () => {
    session = await demoConsole({ customers: 300, seed: 5 });
    ({ t, page } = session);
  });
  after(async () => session?.close());

  it('shows headline metrics and a metric with its definition, breakdown and CSV/PNG export', async () => {
    await page.goto(`${t.url}/analytics`);
    await page.getByTestId('overview-cards').getByText('成交额 GMV').waitFor();
    await page.getByTestId('metric-definition').getByText('下单时间落在所选时间内的销售订单').waitFor();
    await page.getByTestId('metric-chart').waitFor();
    await page.getByTestId('metric-breakdown').click();
    await page.locator('.ant-select-item-option').getByText('销售渠道', { exact: true }).click();
    await page.getByTestId('breakdown-chart').waitFor();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('breakdown-chart-csv').click()]);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    assert.match(text, /天猫|门店|小程序|抖音/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('metric-chart-png').click()]);
    assert.equal(fs.readFileSync((await png.path())!).subarray(1, 4).toString(), 'PNG');
    await page.screenshot({ path: screenshot('analytics-metrics.png'), fullPage: true });
  });

  it('runs the classic funnel, saves a step as a segment, and shows retention, paths and attribution', async () => {
    await page.getByRole('tab', { name: '漏斗' }).click();
    await page.getByTestId('run-funnel').click();
    await page.getByTestId('funnel-chart').waitFor();
    await page.getByTestId('funnel-table').getByText('复购').waitFor();
    await page.getByTestId('export-step-3').click();
    await page.getByTestId('export-key').fill('first_buyers_web');
    await page.getByTestId('export-ok').click();
    await page.getByText('已保存为分群 first_buyers_web').waitFor();
    assert.ok((await t.api('GET', '/v1/segments/first_buyers_web')).body.size > 0);
    // A typo in a property is shown, not an empty chart.
    await page.getByTestId('funnel-prop-0').fill('colour');
    await page.getByTestId('run-funnel').click();
    await page.getByTestId('funnel-error').getByText('no "首页" event has a property "colour"').waitFor();
    await page.getByTestId('funnel-prop-0').fill('');

    await page.getByRole('tab', { name: '留存与群组' }).click();
    await page.getByTestId('retention-table').waitFor();
    await page.getByTestId('ltv-chart').waitFor();
    await page.getByRole('tab', { name: '路径' }).click();
    await page.getByTestId('paths-sankey').waitFor();
    await page.getByRole('tab', { name: '归因与 ROI' }).click();
    await page.getByTestId('attribution-table').getByText('未归因').first().waitFor();
    await page.screenshot({ path: screenshot('analytics-attribution.png'), fullPage: true });
  });

  it('pins a chart to my dashboard and generates, reads and downloads a weekly report', async () => {
    await page.getByRole('tab', { name: '指标' }).click();
    await page.getByTestId('metric-definition').waitFor();
    await page.getByTestId('pin-metric').click();
    await page.getByTestId('pin-ok').click();
    await page.getByText('已固定到看板').waitFor();
    await page.getByRole('tab', { name: '我的看板' }).click();
    await page.getByTestId('dashboard-charts').getByText('成交额 GMV').waitFor();

    await page.getByRole('tab', { name: '自动报告' }).click();
    await page.getByTestId('report-week').click();
    await page.getByTestId('report-list').getByText('周报').waitFor({ timeout: 60_000 });
    const frame = page.frameLocator('[data-testid=report-frame]');
    await frame.getByText('核心指标 Key metrics').waitFor();
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-download').click()]);
    assert.match(svg.suggestedFilename(), /^siyu-week-report-\d{4}-\d{2}-\d{2}\.svg$/);
    assert.match(fs.readFileSync((await svg.path())!, 'utf8'), /^<svg/);
    await page.screenshot({ path: screenshot('analytics-report.png'), fullPage: true });
  });
});
