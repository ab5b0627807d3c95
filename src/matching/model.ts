// The Fellegi–Sunter model: for each variable (a field, or the place fields taken jointly — variables.ts) and each
// of its categories, m = P(category | same person) and u = P(category | different people); a pair's match weight is
// Σ log2(m/u) over its variables with data, and with the share λ of matches among candidate pairs that gives
// P(match). m, u and λ are estimated without labels by EM over the candidate pairs (Winkler 1988, conditional
// independence between variables), starting u from random pairs, which are almost all non-matches. Operator
// decisions, when there are some, enter as labelled pairs whose class is known. How common a value is enters at
// scoring time (scorer.ts), not here.
import { FIELD_COUNT, LEVEL_COUNTS, MISSING } from './compare.ts';
import type { TfSummary } from './frequencies.ts';
import { categories, fieldLevels, normalizeGroups, VARIABLE_COUNT, VARIABLES } from './variables.ts';

/** Models fitted before the place fields were joint and values weighed by frequency are refitted, not reused. */
export const MODEL_VERSION = 2;

export interface MatchModel {
  version: number;
  lambda: number;
  /** m[variable][category], u[variable][category] in VARIABLES order. */
  m: number[][];
  u: number[][];
  iterations: number;
  converged: boolean;
  pairs: number;
  /** Records the model was fitted on (sets how often a value may repeat before it counts as a placeholder). */
  records?: number;
  /** Candidate pairs per set of place fields present (to show per-field place weights as averages). */
  placeMasks?: number[];
  /** Value frequencies of the fitted base, for weighing agreement on common and rare values. */
  tf?: TfSummary;
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

const emptyRows = () => VARIABLES.map((v) => new Array<number>(v.categories).fill(0));

/** u from random pairs: category frequencies with add-one smoothing. */
export function estimateU(randomPatterns: PatternCounts): number[][] {
  const u = VARIABLES.map((v) => new Array<number>(v.categories).fill(1));
  const cats = new Int16Array(VARIABLE_COUNT);
  randomPatterns.codes.forEach((code, p) => {
    categories(unpackPattern(code), cats);
    for (let v = 0; v < VARIABLE_COUNT; v++) if (cats[v] !== MISSING) u[v][cats[v]] += randomPatterns.counts[p];
  });
  return u.map((row, v) => normalizeGroups(row, VARIABLES[v], FLOOR));
}

/**
 * m starts believing matches mostly agree exactly: geometric weights towards the top level of each field (for the
 * place variable, the product over the fields present).
 */
function initialM(): number[][] {
  return VARIABLES.map((v) => {
    const row = Array.from({ length: v.categories }, (_, c) => fieldLevels(v, c).reduce((p, l, k) => (l === MISSING ? p : p * 2 ** (3 * (l - LEVEL_COUNTS[v.fields[k]] + 1))), 1));
    return normalizeGroups(row, v, FLOOR);
  });
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
  const patterns = candidates.codes.map((c) => categories(unpackPattern(c)));
  const labelled = (opts.labelled ?? []).map((l) => ({ cats: categories(unpackPattern(l.code)), isMatch: l.isMatch }));
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
    const mAcc = emptyRows();
    const uAcc = emptyRows();
    let matches = 0;
    const add = (cats: Int16Array, weight: number, w: number) => {
      for (let v = 0; v < VARIABLE_COUNT; v++) {
        if (cats[v] === MISSING) continue;
        mAcc[v][cats[v]] += weight * w;
        uAcc[v][cats[v]] += (1 - weight) * w;
      }
    };
    for (let p = 0; p < P; p++) {
      matches += g[p] * candidates.counts[p];
      add(patterns[p], g[p], candidates.counts[p]);
    }
    for (const l of labelled) {
      matches += l.isMatch ? 1 : 0;
      add(l.cats, l.isMatch ? 1 : 0, 1);
    }
    // A weak Dirichlet prior (PRIOR_PAIRS pseudo-pairs shaped like the starting values) keeps a class that has
    // few pairs among the candidates — non-matches, when blocking is tight — from getting near-zero probabilities,
    // which would turn one agreement into tens of bits of evidence.
    const nextM = mAcc.map((row, v) => normalizeGroups(row.map((x, c) => x + PRIOR_PAIRS * mPrior[v][c]), VARIABLES[v], FLOOR));
    const nextU = uAcc.map((row, v) => normalizeGroups(row.map((x, c) => x + uPriorPairs * uStart[v][c]), VARIABLES[v], FLOOR));
    const nextLambda = Math.min(1 - FLOOR, Math.max(FLOOR, matches / total));
    let change = Math.abs(nextLambda - lambda);
    for (let v = 0; v < VARIABLE_COUNT; v++) {
      for (let c = 0; c < VARIABLES[v].categories; c++) change = Math.max(change, Math.abs(nextM[v][c] - m[v][c]), Math.abs(nextU[v][c] - u[v][c]));
    }
    [m, u, lambda] = [nextM, nextU, nextLambda];
    if (change < tolerance) {
      converged = true;
      iterations++;
      break;
    }
  }
  const place = VARIABLES.length - 1;
  const placeMasks = new Array<number>(VARIABLES[place].groups).fill(0);
  patterns.forEach((cats, p) => {
    if (cats[place] !== MISSING) placeMasks[VARIABLES[place].group[cats[place]]] += candidates.counts[p];
  });
  return { version: MODEL_VERSION, lambda, m, u, iterations, converged, pairs: total, placeMasks };
}

function posterior(cats: Int16Array, m: number[][], u: number[][], logPrior: number): number {
  let logRatio = logPrior;
  for (let v = 0; v < VARIABLE_COUNT; v++) {
    const c = cats[v];
    if (c !== MISSING) logRatio += Math.log(m[v][c] / u[v][c]);
  }
  return 1 / (1 + Math.exp(-logRatio));
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
