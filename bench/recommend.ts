// Next-best product on UCI Online Retail with a time split: learn from purchases before 2011-09-10, then check the
// items each customer bought for the first time in the next 90 days. recall@10 and NDCG@10 against popularity.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildItemModel, recallAndNdcg, recommend } from '../src/models/recommend.ts';
import { report, seconds, type Row } from './lib.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

export function recommendEvaluation() {
  const rows: string[][] = parse(fs.readFileSync(UCI), { from_line: 2 });
  const cutoff = Date.parse('2011-09-10T00:00:00Z');
  const end = cutoff + 90 * 86_400_000;
  const train: { customer: string; item: string; weight: number }[] = [];
  const test = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!r[6] || r[0].startsWith('C') || Number(r[3]) <= 0 || Number(r[5]) <= 0 || !/^\d/.test(r[1])) continue; // real products only
    const t = Date.parse(`${r[4].replace(' ', 'T')}Z`);
    const customer = r[6].replace(/\.0$/, '');
    if (t < cutoff) train.push({ customer, item: r[1], weight: 1 });
    else if (t < end) (test.get(customer) ?? test.set(customer, new Set()).get(customer)!).add(r[1]);
  }
  const started = performance.now();
  const model = buildItemModel(train);
  const buildMs = performance.now() - started;
  const history = new Map<string, Set<string>>();
  for (const t of train) (history.get(t.customer) ?? history.set(t.customer, new Set()).get(t.customer)!).add(t.item);
  const sums = { item: { recall: 0, ndcg: 0 }, popular: { recall: 0, ndcg: 0 } };
  let users = 0;
  for (const [customer, bought] of test) {
    const h = history.get(customer);
    if (!h) continue;
    const relevant = new Set([...bought].filter((i) => !h.has(i)));
    if (relevant.size === 0) continue;
    users++;
    const a = recallAndNdcg(recommend(model, [...h], 10), relevant, 10);
    const b = recallAndNdcg(recommend(model, [], 10, model.popularity, h), relevant, 10);
    sums.item.recall += a.recall;
    sums.item.ndcg += a.ndcg;
    sums.popular.recall += b.recall;
    sums.popular.ndcg += b.ndcg;
  }
  const r3 = (v: number) => Math.round((v / users) * 10000) / 10000;
  return {
    users,
    items: model.items.length,
    buildSeconds: seconds(buildMs),
    rows: [
      { method: 'item-to-item (cosine co-purchase)', users, 'recall@10': r3(sums.item.recall), 'NDCG@10': r3(sums.item.ndcg) },
      { method: 'popularity (excluding owned items)', users, 'recall@10': r3(sums.popular.recall), 'NDCG@10': r3(sums.popular.ndcg) },
    ] as Row[],
  };
}

export async function benchRecommend() {
  const e = recommendEvaluation();
  report('recommend', e.rows, { items: e.items, buildSeconds: e.buildSeconds, note: 'UCI Online Retail: trained on purchases before 2011-09-10; relevant = items a customer bought for the first time in the next 90 days; cancellations, non-product codes (POST, M, ...) and lines without CustomerID excluded' });
}
