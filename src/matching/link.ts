// Batch record linkage, start to finish: prepare, take out placeholders, block, compare, fit the model (EM), score,
// cluster, and sort pairs into auto-merge / review / no action. Pure computation over records in memory; the
// platform's batch run and the Febrl evaluation both call this.
import { clusterMatches } from './cluster.ts';
import { excludeCommonValues, type CommonValue } from './common-values.ts';
import { compareRecords, FIELD_COUNT } from './compare.ts';
import { candidatePairs } from './blocking.ts';
import { frequencyKeys, sharesOf, ValueCounts } from './frequencies.ts';
import {
  countPatterns, estimateU, expectedQuality, fitModel, type LabelledPattern, type MatchModel, packPattern, unpackPattern,
} from './model.ts';
import { comparableFields, type PersonRecord, prepareRecord, type PreparedRecord } from './record.ts';
import { autoMergeAllowed, conflict, reviewReason } from './rules.ts';
import { type FieldEvidence, Scorer } from './scorer.ts';

export interface Thresholds {
  /** P(match) at or above which pairs are merged without review. */
  auto: number;
  /** P(match) at or above which (and below auto) pairs go to the review queue. */
  review: number;
}

/**
 * The documented default: merge automatically when the model is 99% sure, ask a person from 50%. Chosen from the
 * meaning of the probability, not from the evaluation labels.
 */
export const DEFAULT_THRESHOLDS: Thresholds = { auto: 0.99, review: 0.5 };

export interface LinkOptions {
  thresholds?: Thresholds;
  today?: Date;
  /** Pairs an operator decided: they teach EM and rejected ones never join a cluster. */
  decisions?: { a: number; b: number; isMatch: boolean }[];
  randomPairs?: number;
  /** Profiles merged away: not linked again, but counted when looking for over-used values. */
  alsoCount?: PersonRecord[];
  onProgress?(stage: LinkStage, done: number, total: number): void;
  /** Deterministic sampling of random pairs. */
  seed?: number;
}

export type LinkStage = 'prepare' | 'block' | 'compare' | 'fit' | 'cluster';

export interface ScoredPair {
  a: number;
  b: number;
  probability: number;
  weight: number;
  pattern: number;
  /** Evidence per field as the console shows it (pairs that are merged or reviewed). */
  fields?: FieldEvidence[];
}

export interface LinkResult {
  records: PreparedRecord[];
  skipped: { id: number; reason: string }[];
  common: CommonValue[];
  candidatePairs: number;
  droppedBlocks: { key: string; size: number }[];
  model: MatchModel;
  scorer: Scorer;
  /** Record ids of each person found (two or more records). */
  clusters: number[][];
  /** Per cluster, its oldest record (lowest id) scored against each other member: what each merge records. */
  clusterPairs: ScoredPair[][];
  /** Values held by several records, with their counts, for real-time matching to weigh values as the run did. */
  valueCounts: [string, number][];
  /** Grey-zone pairs and refused joins, for people to decide. */
  review: (ScoredPair & { reason: string })[];
  expected: ReturnType<typeof expectedQuality>;
}

export function linkRecords(input: PersonRecord[], opts: LinkOptions = {}): LinkResult {
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const today = opts.today ?? new Date();
  const progress = opts.onProgress ?? (() => {});

  progress('prepare', 0, input.length);
  const skipped: LinkResult['skipped'] = [];
  const records = input.map((r) => prepareRecord(r, today));
  const common = excludeCommonValues(records, (opts.alsoCount ?? []).map((r) => prepareRecord(r, today)));
  const usable = records.filter((r) => {
    if (comparableFields(r) >= 2) return true;
    skipped.push({ id: r.id, reason: 'fewer than two comparable fields' });
    return false;
  });
  // Keys are made twice rather than held: a million records' keys are tens of millions of short-lived objects.
  const counts = new ValueCounts();
  for (const r of usable) counts.add(frequencyKeys(r));
  const tf = counts.summary();
  const count = (family: string, value: string) => counts.count(family, value);
  for (const r of usable) r.shares = sharesOf(frequencyKeys(r), tf, count);
  progress('prepare', input.length, input.length);

  progress('block', 0, 1);
  const pairs = candidatePairs(usable);
  progress('block', 1, 1);

  const codes = new Int32Array(pairs.count);
  const levels = new Int8Array(FIELD_COUNT);
  for (let i = 0; i < pairs.count; i++) {
    codes[i] = packPattern(compareRecords(usable[pairs.a[i]], usable[pairs.b[i]], levels));
    if ((i & 0xffff) === 0) progress('compare', i, pairs.count);
  }
  progress('compare', pairs.count, pairs.count);

  const indexOfId = new Map(usable.map((r, i) => [r.id, i]));
  progress('fit', 0, 1);
  const random = randomPatterns(usable, opts.randomPairs ?? 100_000, opts.seed ?? 1);
  const labelled: LabelledPattern[] = [];
  for (const d of opts.decisions ?? []) {
    const a = indexOfId.get(d.a);
    const b = indexOfId.get(d.b);
    if (a !== undefined && b !== undefined) labelled.push({ code: packPattern(compareRecords(usable[a], usable[b])), isMatch: d.isMatch });
  }
  const model: MatchModel = { ...fitModel(countPatterns(codes), estimateU(random), { labelled }), records: usable.length, tf };
  const scorer = new Scorer(model);
  progress('fit', 1, 1);

  // Every pair is scored on its own values: how common an agreeing value is changes its weight.
  const probabilities = new Float64Array(pairs.count);
  const edges: { a: number; b: number; probability: number; i: number }[] = [];
  const grey: { i: number; w: number }[] = [];
  for (let i = 0; i < pairs.count; i++) {
    unpackPattern(codes[i], levels);
    const w = scorer.weight(levels, usable[pairs.a[i]], usable[pairs.b[i]]);
    const p = scorer.probability(w);
    probabilities[i] = p;
    if (p >= thresholds.auto && autoMergeAllowed(levels, w)) edges.push({ a: pairs.a[i], b: pairs.b[i], probability: p, i });
    else if (p >= thresholds.review) grey.push({ i, w });
  }

  progress('cluster', 0, 1);
  const rejected = new Set((opts.decisions ?? []).filter((d) => !d.isMatch).map((d) => pairKey(d.a, d.b)));
  const pairProbability = new Map<string, number>();
  for (let i = 0; i < pairs.count; i++) if (probabilities[i] >= thresholds.review) pairProbability.set(pairKey(pairs.a[i], pairs.b[i]), probabilities[i]);
  const clustering = clusterMatches(edges, {
    minCrossProbability: thresholds.review,
    // Cross pairs that conflict (rules.ts) count as refused too, so a cluster cannot grow around them.
    probability: (x, y) => {
      const l = compareRecords(usable[x], usable[y]);
      return conflict(l) ? 0 : pairProbability.get(pairKey(x, y)) ?? scorer.probability(scorer.weight(l, usable[x], usable[y]));
    },
    cannotLink: (x, y) => rejected.has(pairKey(usable[x].id, usable[y].id)),
  });
  progress('cluster', 1, 1);

  const scored = (x: number, y: number): ScoredPair => {
    const l = compareRecords(usable[x], usable[y]);
    const w = scorer.weight(l, usable[x], usable[y]);
    return { a: usable[x].id, b: usable[y].id, probability: scorer.probability(w), weight: w, pattern: packPattern(l), fields: scorer.evidence(l, usable[x], usable[y]) };
  };
  const clusterIndex = new Map<number, number>();
  clustering.clusters.forEach((c, k) => c.forEach((x) => clusterIndex.set(x, k)));
  const together = (a: number, b: number) => clusterIndex.has(a) && clusterIndex.get(a) === clusterIndex.get(b);
  const review = [
    ...clustering.refused.filter((e) => e.reason !== 'rejected_by_operator').map((e) => ({ ...scored(e.a, e.b), reason: e.reason as string })),
    ...grey.filter(({ i }) => !together(pairs.a[i], pairs.b[i]) && !rejected.has(pairKey(usable[pairs.a[i]].id, usable[pairs.b[i]].id)))
      .map(({ i, w }) => ({ ...scored(pairs.a[i], pairs.b[i]), reason: reviewReason(unpackPattern(codes[i]), w, probabilities[i], thresholds.auto) as string })),
  ].sort((x, y) => y.probability - x.probability);
  const clusterPairs = clustering.clusters.map((c) => {
    const [first, ...rest] = [...c].sort((x, y) => usable[x].id - usable[y].id);
    return rest.map((x) => scored(first, x));
  });

  return {
    records: usable,
    skipped,
    common,
    candidatePairs: pairs.count,
    droppedBlocks: pairs.droppedBlocks,
    model,
    scorer,
    clusters: clustering.clusters.map((c) => c.map((x) => usable[x].id)),
    clusterPairs,
    valueCounts: [...counts.common(VALUE_COUNT_MIN)],
    review,
    expected: expectedQuality(probabilities, QUALITY_THRESHOLDS),
  };
}

/** Values held by fewer records are weighed at the floor of two holders anyway (frequencies.ts), so they are not kept. */
const VALUE_COUNT_MIN = 3;

/** Where expected precision and recall are estimated: a curve for the console, dense near the usual choices. */
const QUALITY_THRESHOLDS = [
  0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 0.9999,
];

const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** Comparison patterns of uniformly random record pairs (a small LCG keeps runs reproducible). */
function randomPatterns(records: PreparedRecord[], n: number, seed: number) {
  const total = records.length;
  if (total < 2) return countPatterns([]);
  let state = seed >>> 0 || 1;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const count = Math.min(n, (total * (total - 1)) / 2);
  const codes = new Int32Array(count);
  const levels = new Int8Array(FIELD_COUNT);
  for (let k = 0; k < count; k++) {
    const a = Math.floor(next() * total);
    let b = Math.floor(next() * (total - 1));
    if (b >= a) b++;
    codes[k] = packPattern(compareRecords(records[a], records[b], levels));
  }
  return countPatterns(codes);
}
