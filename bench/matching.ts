// Probabilistic matching: quality on the Febrl files (EM without labels, default thresholds), quality and speed on
// realistic Chinese customer records at several sizes (BENCH_MATCH_ZH_SIZES), and batch linkage speed and memory on
// a synthetic base built from the Febrl vocabulary (BENCH_MATCH_RECORDS, default 1,000,000).
import path from 'node:path';
import { readFebrl } from '../src/matching/febrl.ts';
import { linkRecords } from '../src/matching/link.ts';
import { evaluateLinkage } from '../src/matching/evaluate.ts';
import { report, type Row } from './lib.ts';
import { syntheticBase } from './synthetic-people.ts';
import { chineseBase, measure } from '../test/helpers/chinese-people.ts';

const DATA = path.resolve('../shared/data/identity');
const today = new Date('2026-11-22T00:00:00Z');

export async function benchMatching(records: number) {
  const rows: Row[] = [];
  for (const file of ['febrl_dataset1.csv', 'febrl_dataset2.csv']) {
    const data = readFebrl(path.join(DATA, file));
    const t0 = performance.now();
    const result = linkRecords(data.records, { today });
    const seconds = (performance.now() - t0) / 1000;
    const q = evaluateLinkage(data.truth, result.clusters);
    rows.push({
      data: file, records: data.records.length, candidate_pairs: result.candidatePairs, true_pairs: q.truePairs,
      precision: q.precision.toFixed(4), recall: q.recall.toFixed(4), f1: q.f1.toFixed(4), bcubed_f1: q.bcubed.f1.toFixed(4),
      exact_people: q.exactClusters.toFixed(4), review_queue: result.review.length, em_iterations: result.model.iterations, seconds,
    });
  }
  report('matching-febrl', rows, { thresholds: 'auto 0.99, review 0.5 (documented defaults, not tuned on labels)' });
  await benchMatchingZh();

  const synthetic = syntheticBase(records, readFebrl(path.join(DATA, 'febrl_dataset2.csv')).records);
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const stages: Record<string, number> = {};
  let last = t0;
  let stage = '';
  const result = linkRecords(synthetic.records, {
    today,
    onProgress(s) {
      if (s !== stage) {
        const now = performance.now();
        if (stage) stages[stage] = (stages[stage] ?? 0) + (now - last) / 1000;
        stage = s;
        last = now;
      }
    },
  });
  stages[stage] = (performance.now() - last) / 1000;
  const seconds = (performance.now() - t0) / 1000;
  const q = evaluateLinkage(synthetic.truth, result.clusters);
  report('matching-scale', [{
    records: records, candidate_pairs: result.candidatePairs, seconds, ...Object.fromEntries(Object.entries(stages).map(([k, v]) => [`${k}_s`, v])),
    heap_mb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    precision: q.precision.toFixed(4), recall: q.recall.toFixed(4),
  }]);
}

/** Chinese customer records (test/helpers/chinese-people.ts) with known truth, linked at the default thresholds. */
export async function benchMatchingZh(sizes = (process.env.BENCH_MATCH_ZH_SIZES ?? '1000,5000,20000,100000').split(',').map(Number)) {
  const rows: Row[] = [];
  for (const size of sizes) {
    const base = chineseBase(size);
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const result = linkRecords(base.records, { today });
    const seconds = (performance.now() - t0) / 1000;
    const q = measure(base, result.clusters, result.review);
    rows.push({
      records: size, people: base.people, families: base.families, true_pairs: q.truePairs, candidate_pairs: result.candidatePairs,
      auto_pairs: q.auto.pairs, auto_precision: q.auto.precision.toFixed(4), auto_recall: q.auto.recall.toFixed(4),
      review_pairs: q.review.pairs, review_precision: q.review.precision.toFixed(4), recall_with_review: q.recallWithReview.toFixed(4),
      em_iterations: result.model.iterations, seconds, heap_mb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20),
    });
  }
  report('matching-zh', rows, {
    thresholds: 'auto 0.99, review 0.5 (documented defaults, not tuned on labels)',
    data: 'demo-catalog people; a quarter with 1-2 duplicates (homophones, wrong characters, traditional, swapped or pinyin names, phone typos and new phones, day/month swaps, missing fields); a tenth with a family member at the same address',
  });
}
