// Next-best product on a time split of UCI Online Retail: item-to-item recommendations must beat popularity.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { recommendEvaluation } from '../bench/recommend.ts';
import { buildItemModel, recommend } from '../src/models/recommend.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

describe('next-best product', () => {
  it('recommends what co-buyers bought, never what the customer already has, and falls back to popularity', () => {
    const model = buildItemModel([
      { customer: 'a', item: 'tea', weight: 1 }, { customer: 'a', item: 'cup', weight: 1 },
      { customer: 'b', item: 'tea', weight: 1 }, { customer: 'b', item: 'cup', weight: 1 }, { customer: 'b', item: 'pot', weight: 1 },
      { customer: 'c', item: 'tea', weight: 1 }, { customer: 'c', item: 'pot', weight: 1 },
      { customer: 'd', item: 'soap', weight: 1 }, { customer: 'e', item: 'soap', weight: 1 }, { customer: 'f', item: 'soap', weight: 1 }, { customer: 'g', item: 'soap', weight: 1 },
    ]);
    assert.deepEqual(recommend(model, ['tea'], 2), ['cup', 'pot']);
    assert.ok(!recommend(model, ['tea', 'cup'], 3).includes('cup'));
    assert.equal(recommend(model, [], 1)[0], 'soap', 'no history: the most popular item');
  });

  it('beats popularity on recall@10 and NDCG@10 on UCI Online Retail', { skip: !fs.existsSync(UCI) && 'shared data missing' }, () => {
    const e = recommendEvaluation();
    const [item, popular] = e.rows as { 'recall@10': number; 'NDCG@10': number }[];
    assert.ok(e.users > 1000);
    assert.ok(item['recall@10'] > popular['recall@10'] * 1.5, `${item['recall@10']} vs ${popular['recall@10']}`);
    assert.ok(item['NDCG@10'] > popular['NDCG@10'] * 1.5, `${item['NDCG@10']} vs ${popular['NDCG@10']}`);
  });
});

describe('recommendations API on the demo brand', () => {
  it('answers per customer: co-purchase based for buyers, channel popularity for newcomers', async () => {
    const { startPlatform } = await import('./helpers/platform.ts');
    const { loadDemo } = await import('../src/demo/load.ts');
    const t = await startPlatform('pglite');
    try {
      await loadDemo(t.platform.ctx, { customers: 300, seed: 9, workspaceId: t.ws.id });
      const fit = await t.api('POST', '/v1/models/recommend/fit', {});
      assert.equal(fit.status, 200, JSON.stringify(fit.body));
      assert.ok(fit.body.items >= 20 && fit.body.interactions > 500, JSON.stringify(fit.body));
      const buyer = (await t.api('GET', '/v1/customers?has_orders=true&limit=1')).body.customers[0];
      const rec = await t.api('GET', `/v1/customers/${buyer.id}/recommendations?limit=5`);
      assert.equal(rec.status, 200, JSON.stringify(rec.body));
      assert.equal(rec.body.items.length, 5);
      assert.equal(rec.body.basis, 'item-to-item');
      const recent = await t.platform.ctx.db.query<{ sku: string }>(
        `SELECT DISTINCT i->>'sku' AS sku FROM orders o, jsonb_array_elements(o.items) i WHERE o.customer_id IN (SELECT id FROM customers WHERE canonical_id = $1) AND o.placed_at >= now() - interval '30 days'`, [buyer.id]);
      for (const r of recent.rows) assert.ok(!rec.body.items.includes(r.sku), `${r.sku} was just bought`);
      const newcomer = (await t.api('GET', '/v1/customers?has_orders=false&limit=1')).body.customers[0];
      const cold = await t.api('GET', `/v1/customers/${newcomer.id}/recommendations`);
      assert.equal(cold.body.items.length, 10);
      assert.match(cold.body.basis, /popular/);
      // Best send time for the same buyer: an hour of the week in the workspace's zone.
      const send = await t.api('GET', `/v1/customers/${buyer.id}/send-time`);
      assert.equal(send.status, 200, JSON.stringify(send.body));
      assert.ok(send.body.hourOfWeek >= 0 && send.body.hourOfWeek < 168);
      assert.equal(send.body.timezone, 'Asia/Shanghai');
      assert.ok(send.body.ownEvents > 0);
    } finally {
      await t.close();
    }
  });
});
