// The Fellegi–Sunter model: for each field and agreement level, m = P(level | same person) and u = P(level |
// different people); a pair's match weight is Σ log2(m/u) over its non-missing fields, and with the share λ of
// matches among candidate pairs that gives P(match). m, u and λ are estimated without labels by EM over the
// candidate pairs (Winkler 1988, conditional independence), starting u from random pairs, which are almost all
// non-matches. Operator decisions, when there are some, enter as labelled pairs whose class is known.
import { FIELD_COUNT, LEVEL_COUNTS, MISSING } from './compare.ts';
import { MATCH_FIELDS } from './record.ts';

export interface MatchModel {
  lambda: number;
  /** m[field][level], u[field][level] in MATCH_FIELDS order. */
  m: number[][];
  u: number[][];
  iterations: number;
  converged: boolean;
  pairs: number;
  /** Records the model was fitted on (sets how often a value may repeat before it counts as a placeholder). */
  records?: number;
}

/** Comparison vectors are packed into one integer (base 5, missing = 0) so identical patterns are counted once. */
export function packPattern(levels: Int8Array): number {
  let code = 0;
  for (let i = FIELD_COUNT - 1; i >= 0; i--) code = code * 5 + (levels[i] + 1);
  return code;
}

export function unpackPattern(code: number, out = new Int8Array(FIELD_COUNT)): Int8Array {
  for (let i = 0; i < FIELD_COUNT; i++) {
    out[i] = (code % 5) - 1;
    code = Math.floor(code / 5);
  }
  return out;
}

export interface PatternCounts {
  codes: number[];
  counts: number[];
}

export function countPatterns(codes: ArrayLike<number>, n = codes.length): PatternCounts {
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) map.set(codes[i], (map.get(codes[i]) ?? 0) + 1);
  return { codes: [...map.keys()], counts: [...map.values()] };
}

const FLOOR = 1e-6;
const PRIOR_PAIRS = 10;

function normalizeRow(row: number[]): number[] {
  const floored = row.map((x) => Math.max(x, FLOOR));
  const s = floored.reduce((a, b) => a + b, 0);
  return floored.map((x) => x / s);
}

/** u from random pairs: level frequencies with add-one smoothing. */
export function estimateU(randomPatterns: PatternCounts): number[][] {
  const u = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(1));
  const levels = new Int8Array(FIELD_COUNT);
  randomPatterns.codes.forEach((code, p) => {
    unpackPattern(code, levels);
    for (let f = 0; f < FIELD_COUNT; f++) if (levels[f] !== MISSING) u[f][levels[f]] += randomPatterns.counts[p];
  });
  return u.map(normalizeRow);
}

/** m starts believing matches mostly agree exactly: geometric weights towards the top level. */
function initialM(): number[][] {
  return LEVEL_COUNTS.map((n) => normalizeRow(Array.from({ length: n }, (_, l) => 2 ** (3 * (l - n + 1)))));
}

export interface LabelledPattern {
  code: number;
  isMatch: boolean;
}

export function fitModel(
  candidates: PatternCounts,
  uStart: number[][],
  opts: { labelled?: LabelledPattern[]; maxIterations?: number; tolerance?: number } = {},
): MatchModel {
  const maxIterations = opts.maxIterations ?? 200;
  const tolerance = opts.tolerance ?? 1e-7;
  const P = candidates.codes.length;
  const patterns = candidates.codes.map((c) => unpackPattern(c));
  const labelled = (opts.labelled ?? []).map((l) => ({ levels: unpackPattern(l.code), isMatch: l.isMatch }));
  const mPrior = initialM();
  let m = mPrior;
  let u = uStart.map((r) => [...r]);
  let lambda = 0.1;
  const total = candidates.counts.reduce((a, b) => a + b, 0) + labelled.length;
  // u leans harder on the random-pair estimate (2% of the candidates): when blocking leaves few non-matches among
  // the candidates, EM alone cannot tell what disagreement looks like between strangers.
  const uPriorPairs = Math.max(PRIOR_PAIRS, 0.02 * total);
  let iterations = 0;
  let converged = false;
  const g = new Float64Array(P);

  for (; iterations < maxIterations; iterations++) {
    // E step: probability that each pattern is a match under the current parameters.
    const logPrior = Math.log(lambda / (1 - lambda));
    for (let p = 0; p < P; p++) g[p] = posterior(patterns[p], m, u, logPrior);
    // M step.
    const mAcc = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(0));
    const uAcc = LEVEL_COUNTS.map((n) => new Array<number>(n).fill(0));
    let matches = 0;
    const add = (levels: Int8Array, weight: number, w: number) => {
      for (let f = 0; f < FIELD_COUNT; f++) {
        if (levels[f] === MISSING) continue;
        mAcc[f][levels[f]] += weight * w;
        uAcc[f][levels[f]] += (1 - weight) * w;
      }
    };
    for (let p = 0; p < P; p++) {
      matches += g[p] * candidates.counts[p];
      add(patterns[p], g[p], candidates.counts[p]);
    }
    for (const l of labelled) {
      matches += l.isMatch ? 1 : 0;
      add(l.levels, l.isMatch ? 1 : 0, 1);
    }
    // A weak Dirichlet prior (PRIOR_PAIRS pseudo-pairs shaped like the starting values) keeps a class that has
    // few pairs among the candidates — non-matches, when blocking is tight — from getting near-zero probabilities,
    // which would turn one agreement into tens of bits of evidence.
    const nextM = mAcc.map((row, f) => normalizeRow(row.map((x, l) => x + PRIOR_PAIRS * mPrior[f][l])));
    const nextU = uAcc.map((row, f) => normalizeRow(row.map((x, l) => x + uPriorPairs * uStart[f][l])));
    const nextLambda = Math.min(1 - FLOOR, Math.max(FLOOR, matches / total));
    let change = Math.abs(nextLambda - lambda);
    for (let f = 0; f < FIELD_COUNT; f++) {
      for (let l = 0; l < LEVEL_COUNTS[f]; l++) change = Math.max(change, Math.abs(nextM[f][l] - m[f][l]), Math.abs(nextU[f][l] - u[f][l]));
    }
    [m, u, lambda] = [nextM, nextU, nextLambda];
    if (change < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { lambda, m, u, iterations, converged, pairs: total };
}

function posterior(levels: Int8Array, m: number[][], u: number[][], logPrior: number): number {
  let logRatio = logPrior;
  for (let f = 0; f < FIELD_COUNT; f++) {
    const l = levels[f];
    if (l !== MISSING) logRatio += Math.log(m[f][l] / u[f][l]);
  }
  return 1 / (1 + Math.exp(-logRatio));
}

/** Match weight in bits for each field's level: log2(m/u). */
export function fieldWeights(model: MatchModel): number[][] {
  return model.m.map((row, f) => row.map((mv, l) => Math.log2(mv / model.u[f][l])));
}

export class Scorer {
  private readonly weights: number[][];
  private readonly priorBits: number;

  constructor(readonly model: MatchModel) {
    this.weights = fieldWeights(model);
    this.priorBits = Math.log2(model.lambda / (1 - model.lambda));
  }

  /** Total match weight (bits) of a comparison vector. */
  weight(levels: Int8Array): number {
    let w = 0;
    for (let f = 0; f < FIELD_COUNT; f++) if (levels[f] !== MISSING) w += this.weights[f][levels[f]];
    return w;
  }

  probability(levels: Int8Array): number {
    return 1 / (1 + 2 ** -(this.weight(levels) + this.priorBits));
  }

  /** Per-field evidence for the console: level, its label and its weight. */
  evidence(levels: Int8Array, labels: (field: number, level: number) => string) {
    return MATCH_FIELDS.map((field, f) => ({
      field,
      level: levels[f],
      label: levels[f] === MISSING ? 'missing' : labels(f, levels[f]),
      weight: levels[f] === MISSING ? 0 : Math.round(this.weights[f][levels[f]] * 100) / 100,
    }));
  }
}

/**
 * What a threshold is expected to give, estimated from the model alone (no labels): among candidate pairs at or
 * above the threshold the expected share of true matches (precision), and the share of all expected matches that
 * are at or above it (recall).
 */
export function expectedQuality(probabilities: Float64Array | number[], thresholds: number[]) {
  const sorted = Float64Array.from(probabilities).sort().reverse();
  const totalMatches = sorted.reduce((s, p) => s + p, 0);
  return thresholds.map((t) => {
    let n = 0;
    let sum = 0;
    for (const p of sorted) {
      if (p < t) break;
      n++;
      sum += p;
    }
    return { threshold: t, pairs: n, precision: n ? sum / n : 1, recall: totalMatches ? sum / totalMatches : 1 };
  });
}
