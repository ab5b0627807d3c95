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
