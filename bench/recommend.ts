// Next-best product on UCI Online Retail with a time split: learn from purchases before 2011-09-10, then check the
// items each customer bought for the first time in the next 90 days. recall@10 and NDCG@10 against popularity.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { buildItemModel, buildItemModelFromColumns, recallAndNdcg, recommend } from '../src/models/recommend.ts';
import { Random } from '../src/demo/random.ts';
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

/**
 * Recommendation build at scale: a synthetic shop of `products` items in 100 categories, `customers` people who each
 * like one to three categories and buy or view about a dozen items (popularity Zipf-shaped within a category).
 * Measures the build (histories, co-occurrence, top-50 neighbours per item) and its memory, then checks on each
 * customer's held-out last item that item-to-item beats popularity, as on the real data.
 */
export async function benchRecommendScale(customers: number, products: number) {
  const rnd = new Random(7);
  const categories = 100;
  const perCategory = Math.ceil(products / categories);
  // Zipf-like weights inside a category: item r has weight 1/(r+1).
  const cdf = new Float64Array(perCategory);
  let total = 0;
  for (let r = 0; r < perCategory; r++) cdf[r] = total += 1 / (r + 1);
  const pickInCategory = (cat: number) => {
    const x = rnd.next() * total;
    let lo = 0;
    let hi = perCategory - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(products - 1, cat * perCategory + lo);
  };
  const genStart = performance.now();
  const cap = customers * 14;
  const cust = new Int32Array(cap);
  const item = new Int32Array(cap);
  const weight = new Float32Array(cap);
  const heldOut = new Int32Array(customers).fill(-1);
  let n = 0;
  for (let c = 0; c < customers; c++) {
    const likes = [rnd.int(0, categories - 1), rnd.int(0, categories - 1), rnd.int(0, categories - 1)].slice(0, rnd.int(1, 3));
    const count = rnd.int(4, 20);
    for (let e = 0; e < count && n < cap; e++) {
      const i = pickInCategory(rnd.chance(0.9) ? rnd.pick(likes) : rnd.int(0, categories - 1));
      if (e === count - 1 && heldOut[c] < 0) {
        heldOut[c] = i; // the customer's next purchase, not shown to the model
        continue;
      }
      cust[n] = c;
      item[n] = i;
      weight[n] = rnd.chance(0.3) ? 1 : 0.3; // purchases and views
      n++;
    }
  }
  const genMs = performance.now() - genStart;
  const items = Array.from({ length: products }, (_, i) => `SKU-${i}`);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const started = performance.now();
  const model = buildItemModelFromColumns({ customer: cust.subarray(0, n), item: item.subarray(0, n), weight: weight.subarray(0, n), customerCount: customers, items });
  const buildMs = performance.now() - started;
  const memory = process.memoryUsage();
  const builtMb = Math.round((memory.heapUsed + memory.arrayBuffers - heapBefore) / 2 ** 20);

  // Held-out check on a sample of customers, and per-customer scoring speed.
  const sample = Math.min(20_000, customers);
  const history = new Map<number, string[]>();
  for (let r = 0; r < n && history.size <= sample; r++) if (cust[r] < sample) (history.get(cust[r]) ?? history.set(cust[r], []).get(cust[r])!).push(items[item[r]]);
  const sums = { item: 0, popular: 0 };
  const scoreStart = performance.now();
  let users = 0;
  for (const [c, h] of history) {
    if (heldOut[c] < 0 || h.includes(items[heldOut[c]])) continue;
    users++;
    const relevant = new Set([items[heldOut[c]]]);
    sums.item += recallAndNdcg(recommend(model, h, 10), relevant, 10).recall;
    sums.popular += recallAndNdcg(recommend(model, [], 10, model.popularity, new Set(h)), relevant, 10).recall;
  }
  const perCustomerMs = (performance.now() - scoreStart) / Math.max(1, users) / 2;
  const rows: Row[] = [{
    customers, products, interactions: n, 'generate s': seconds(genMs), 'build s': seconds(buildMs), 'model + scratch MB': builtMb,
    'RSS MB': Math.round(memory.rss / 2 ** 20), neighbours: model.nbItem.length, 'recommend ms/customer': Math.round(perCustomerMs * 1000) / 1000,
    'hit@10 item-to-item': Math.round((sums.item / users) * 10000) / 10000, 'hit@10 popularity': Math.round((sums.popular / users) * 10000) / 10000,
  }];
  report('recommend-scale', rows, { note: 'Synthetic shop: 100 categories, Zipf popularity within a category, customers liking 1-3 categories with 10% off-taste picks; 30% purchases (weight 1) and 70% views (0.3). hit@10 = the held-out last item is in the top 10, over up to 20,000 customers.' });
}
