// Identity matching in a real browser: a run started from the console after a confirmation, the expected
// precision/recall of the thresholds, thresholds saved (and refused with a reason), a grey-zone pair decided side by
// side, and the run's merges listed and undone together with a progress bar.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { screenshot, signedInPage } from './helpers/browser.ts';
import { FEBRL_DS1, febrlMemberCsv, importCustomers } from './helpers/febrl.ts';
import { startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';
import { readFebrl } from '../src/matching/febrl.ts';

describe('identity matching in the console', () => {
  let t: TestPlatform;
  let browser: Browser;
  let page: Page;

  before(async () => {
    t = await startPlatform('pglite');
    const imp = await importCustomers(t, 'members.csv', febrlMemberCsv(readFebrl(FEBRL_DS1)));
    assert.equal(imp.rowsOk, 1000);
    await t.platform.matcher.idle();
    ({ browser, page } = await signedInPage(t));
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('runs the matcher from the console and shows what it did and what the thresholds are expected to give', async () => {
    await page.goto(`${t.url}/`);
    await page.getByTestId('nav-identity').click();
    await page.waitForURL(/\/identity$/);
    await page.getByText('还没有运行过匹配').waitFor();
    // The full run says what it will do and waits for a yes.
    await page.getByTestId('run-matching').click();
    assert.match(await page.getByTestId('run-confirm-text').innerText(), /将对全部 1,000 位客户两两比对，置信度高于 0\.99 的自动合并（可撤销）/);
    assert.equal((await t.api('GET', '/v1/identity/matching')).body.lastRun, null, 'nothing starts before the confirmation');
    await page.getByTestId('run-confirm-ok').click();
    await page.getByTestId('run-merges').waitFor({ timeout: 120_000 });
    const settings = (await t.api('GET', '/v1/identity/matching')).body;
    assert.equal(settings.lastRun.status, 'done');
    assert.equal(await page.getByTestId('run-merges').innerText(), String(settings.lastRun.stats.merges));
    assert.ok(settings.lastRun.stats.merges >= 465);
    await page.getByTestId('expected-quality-chart').waitFor();
    await page.getByTestId('weights-chart').waitFor();
    const atAuto = settings.expected.find((e: { threshold: number }) => e.threshold === settings.thresholds.auto);
    const text = await page.getByTestId('expected-at-auto').innerText();
    assert.match(text, new RegExp(`预计准确率 ${(atAuto.precision * 100).toFixed(1)}%`));
    assert.match(text, new RegExp(`召回率 ${(atAuto.recall * 100).toFixed(1)}%`));
    // Pairs the name veto kept from an automatic merge say so, rather than sitting in the queue unexplained.
    const pending = (await t.api('GET', '/v1/identity/matching/reviews?limit=200')).body.items;
    const namesDiffer = pending.filter((i: any) => ['given', 'surname'].every((f) => i.evidence.fields.find((e: any) => e.field === f)?.label === 'different'));
    assert.ok(namesDiffer.length > 0 && namesDiffer.every((i: any) => i.reason === 'names_differ'), JSON.stringify(pending.map((i: any) => i.reason)));
    assert.equal(await page.getByTestId('review-reason').filter({ hasText: '姓名完全不同' }).count(), namesDiffer.length);
    await page.screenshot({ path: screenshot('identity.png'), fullPage: true });
  });

  it('refuses thresholds that contradict each other, saves good ones, and decides a grey-zone pair side by side', async () => {
    const inputs = { auto: page.locator('[data-testid=threshold-auto] input, input[data-testid=threshold-auto]').first(), review: page.locator('[data-testid=threshold-review] input, input[data-testid=threshold-review]').first() };
    await inputs.auto.fill('0.5');
    await inputs.review.fill('0.9');
    await page.getByTestId('save-thresholds').click();
    await page.getByText('must be lower than the auto-merge threshold').waitFor();
    assert.equal((await t.api('GET', '/v1/identity/matching')).body.thresholds.auto, 0.99, 'nothing saved');

    // A pair the fitted model finds doubtful: same name, different birthday and city. Thresholds around it put it
    // in the grey zone whatever the model says exactly.
    await t.track('/v1/identify', { userId: 'gz-a', messageId: 'm-gz-a', traits: { name: 'quentin zabriskie', birthday: '1971-03-15', city: 'ballarat', province: 'vic' } });
    await t.platform.matcher.idle();
    const probe = await t.api('POST', '/v1/identity/matching/lookup', { name: 'quentin zabriskie', birthDate: '1984-11-02', city: 'geelong', region: 'vic' });
    const p = probe.body.candidates[0].probability as number;
    const auto = Math.round(((1 + p) / 2) * 1e5) / 1e5;
    const review = Math.round((p / 2) * 1e5) / 1e5;
    await inputs.auto.fill(String(auto));
    await inputs.review.fill(String(review));
    await page.getByTestId('save-thresholds').click();
    await waitFor('thresholds saved', async () => ((await t.api('GET', '/v1/identity/matching')).body.thresholds.review === review ? true : null));

    await t.track('/v1/identify', { userId: 'gz-b', messageId: 'm-gz-b', traits: { name: 'quentin zabriskie', birthday: '1984-11-02', city: 'geelong', province: 'vic' } });
    await t.platform.matcher.idle();
    await page.reload();
    const item = page.getByTestId('review-item').filter({ hasText: 'ballarat' }).filter({ hasText: 'geelong' });
    // The queue is ordered by probability: pairs the merge rules held back (near-certain scores) come first.
    await page.getByTestId('review-item').first().waitFor();
    for (let pages = 0; (await item.count()) === 0 && pages < 20; pages++) {
      await page.locator('.ant-pagination-next').first().click();
      await page.waitForTimeout(300);
    }
    await item.waitFor();
    assert.equal(await item.getByTestId('review-reason').innerText(), '介于两个阈值之间');
    // Both records in the clear for the owner, and the evidence that speaks against: the birth dates differ.
    assert.match(await item.getByTestId('side-by-side').innerText(), /quentin zabriskie[\s\S]*quentin zabriskie/);
    assert.match(await item.getByTestId('evidence').innerText(), /生日[\s\S]*-\d/);
    await page.screenshot({ path: screenshot('identity-review.png'), fullPage: true });
    await item.getByTestId('review-reject').click();
    await page.getByText('不会再被推荐或合并').waitFor();
    const rejected = (await t.api('GET', '/v1/identity/matching/reviews?status=rejected')).body.items;
    assert.equal(rejected.length, 1);
    assert.deepEqual(new Set([rejected[0].a.fields.birthday, rejected[0].b.fields.birthday]), new Set(['1971-03-15', '1984-11-02']));
    // The queue reloads after the toast: wait for the decided pair to leave it before counting.
    const decided = page.getByTestId('review-item').filter({ hasText: 'ballarat' }).filter({ hasText: 'geelong' });
    await decided.waitFor({ state: 'detached' });
    assert.equal(await decided.count(), 0);
  });

  it('lists the run\'s merges and undoes all of them in one action, following the progress', async () => {
    const runs = (await t.api('GET', '/v1/identity/matching/runs')).body.runs;
    const run = runs.find((r: { merges: number }) => r.merges > 0);
    await page.goto(`${t.url}/identity`);
    await page.getByTestId('tab-merged').click();
    const group = page.getByTestId('merged-run').filter({ hasText: `合并 ${run.merges} 对` });
    await group.waitFor();
    const list = page.getByTestId('run-merge-list');
    await list.locator('tbody tr').first().waitFor();
    assert.equal(await list.getByTestId('merge-state').filter({ hasText: '生效中' }).count(), 10, 'the first page of merges, all in place');
    await page.getByTestId('undo-run').click();
    await page.getByTestId('undo-confirm').waitFor();
    assert.match(await page.getByTestId('undo-confirm').innerText(), new RegExp(`这次运行合并的 ${run.activeMerges} 对客户会在后台逐对拆回`));
    await page.getByTestId('undo-reason').fill('演示：本次运行的阈值过低');
    await page.getByTestId('undo-ok').click();
    await page.getByTestId('undo-progress').waitFor();
    await page.getByTestId('undo-status').filter({ hasText: `已撤销：${run.activeMerges} 对合并已拆回` }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: screenshot('identity-undo.png'), fullPage: true });
    const undo = (await t.api('GET', `/v1/identity/matching/runs/${run.id}/undo`)).body;
    assert.deepEqual([undo.status, undo.done, undo.reason], ['done', run.activeMerges, '演示：本次运行的阈值过低']);
    await list.getByTestId('merge-state').filter({ hasText: '已撤销' }).first().waitFor();
    assert.equal(await list.getByTestId('merge-state').filter({ hasText: '生效中' }).count(), 0, 'the list shows them undone');
    assert.equal((await t.api('GET', '/v1/identity/matching/runs')).body.runs.find((r: { id: number }) => r.id === run.id).activeMerges, 0);
  });
});
