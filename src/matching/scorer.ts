// Scoring a pair with a fitted model: bits of evidence per variable (log2 m/u of its category), exact agreement
// re-weighed by how common the agreeing value is, and P(same person) from the total and the prior. The same bits
// are what the console shows, field by field, so the explanation adds up to the score.
import { COMPARATORS, LEVEL_COUNTS, MISSING } from './compare.ts';
import { placeFamily, SLOT_GIVEN_EITHER, SLOT_PLACE, SLOT_SURNAME_EITHER } from './frequencies.ts';
import type { MatchModel } from './model.ts';
import { MATCH_FIELDS, type PreparedRecord } from './record.ts';
import { categories, fieldLevels, PLACE_FIELDS, PLACE_INDEX, VARIABLE_COUNT, VARIABLES } from './variables.ts';

export interface FieldEvidence {
  field: string;
  label: string;
  weight: number;
  /** For exact agreement: the share of profiles holding the agreeing value (what made it weigh more or less). */
  share?: number;
  /** For the place group: each place field's comparison (their evidence is counted once, together). */
  parts?: { field: string; label: string }[];
}

const GIVEN = MATCH_FIELDS.indexOf('given');
const SURNAME = MATCH_FIELDS.indexOf('surname');
const PLACE = VARIABLE_COUNT - 1;
const TOP = LEVEL_COUNTS.map((n) => n - 1);

export class Scorer {
  /** log2(m/u) per variable and category. */
  readonly weights: number[][];
  private readonly priorBits: number;
  private readonly cats = new Int16Array(VARIABLE_COUNT);
  private readonly scratch = new Float64Array(VARIABLE_COUNT);

  constructor(readonly model: MatchModel) {
    this.weights = model.m.map((row, v) => row.map((m, c) => Math.log2(m / model.u[v][c])));
    this.priorBits = Math.log2(model.lambda / (1 - model.lambda));
  }

  /** P(same person) for a total weight in bits. */
  probability(weight: number): number {
    return 1 / (1 + 2 ** -(weight + this.priorBits));
  }

  /**
   * Bits per variable for a compared pair. Shares (value frequencies) come from whichever record carries them;
   * without any, the model's average weight of exact agreement is used.
   */
  bits(levels: Int8Array, a: PreparedRecord, b: PreparedRecord, out = new Float64Array(VARIABLE_COUNT)): Float64Array {
    categories(levels, this.cats);
    const own = a.shares ? a : b;
    const other = own === a ? b : a;
    for (let v = 0; v < VARIABLE_COUNT; v++) {
      const c = this.cats[v];
      if (c === MISSING) {
        out[v] = 0;
        continue;
      }
      const w = this.weights[v][c];
      // A common value weighs less, but agreeing on it is never evidence against being one person.
      out[v] = own.shares ? Math.max(w + this.frequencyBits(v, levels, own, other, own.shares), Math.min(w, 0)) : w;
    }
    return out;
  }

  weight(levels: Int8Array, a: PreparedRecord, b: PreparedRecord): number {
    const bits = this.bits(levels, a, b, this.scratch);
    let w = 0;
    for (let v = 0; v < VARIABLE_COUNT; v++) w += bits[v];
    return w;
  }

  /**
   * log2(Σp² / p): exact agreement on a value rarer than the field's typical value counts more, commoner less.
   * `a` is the record whose shares are used.
   */
  private frequencyBits(v: number, levels: Int8Array, a: PreparedRecord, b: PreparedRecord, shares: Float32Array): number {
    const tf = this.model.tf;
    if (!tf) return 0;
    if (v === PLACE) {
      let mask = 0;
      PLACE_INDEX.forEach((f, k) => {
        if (levels[f] === TOP[f]) mask |= 1 << k;
      });
      return mask ? adjust(tf[placeFamily(mask)]?.sumSq, shares[SLOT_PLACE + mask]) : 0;
    }
    const f = VARIABLES[v].fields[0];
    if (levels[f] !== TOP[f]) return 0;
    const field = MATCH_FIELDS[f];
    let share = shares[f];
    // A name part that agrees only crosswise (姓名 swapped) is the record's other part: it counts as the commoner
    // of its two readings (given name or surname).
    if (f === GIVEN && a.values.given !== b.values.given) share = a.values.surname === b.values.given ? shares[SLOT_SURNAME_EITHER] : shares[SLOT_GIVEN_EITHER];
    if (f === SURNAME && a.values.surname !== b.values.surname) share = a.values.given === b.values.surname ? shares[SLOT_GIVEN_EITHER] : shares[SLOT_SURNAME_EITHER];
    return adjust(tf[field]?.sumSq, share);
  }

  /** The evidence shown for a pair: one row per field with data, the place fields as one row; sums to the weight. */
  evidence(levels: Int8Array, a: PreparedRecord, b: PreparedRecord): FieldEvidence[] {
    const bits = this.bits(levels, a, b);
    const shares = a.shares ?? b.shares;
    const out: FieldEvidence[] = [];
    categories(levels, this.cats);
    for (let v = 0; v < VARIABLE_COUNT; v++) {
      const c = this.cats[v];
      if (c === MISSING) continue;
      const variable = VARIABLES[v];
      const weight = round2(bits[v]);
      if (v === PLACE) {
        const parts = fieldLevels(variable, c)
          .map((l, k) => ({ field: PLACE_FIELDS[k] as string, label: l === MISSING ? 'missing' : COMPARATORS[PLACE_FIELDS[k]].levels[l] }))
          .filter((p) => p.label !== 'missing');
        out.push({ field: 'place', label: parts.map((p) => `${p.field} ${p.label}`).join(', '), weight, parts });
        continue;
      }
      const f = variable.fields[0];
      const row: FieldEvidence = { field: MATCH_FIELDS[f], label: COMPARATORS[MATCH_FIELDS[f]].levels[c], weight };
      if (shares && this.model.tf && c === TOP[f] && Number.isFinite(shares[f])) row.share = round4(shares[f]);
      out.push(row);
    }
    return out;
  }
}

function adjust(sumSq: number | undefined, share: number): number {
  if (!sumSq || !Number.isFinite(share) || share <= 0) return 0;
  return Math.log2(sumSq / share);
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10000) / 10000;

/**
 * Per-field weights for the console's model view. Place fields are learnt jointly, so each one's weight here is
 * its average effect (categories weighted by how often each set of place fields occurs among candidate pairs).
 */
export function fieldWeights(model: MatchModel): { field: string; levels: { label: string; m: number; u: number; weight: number }[] }[] {
  return MATCH_FIELDS.map((field, f) => {
    const labels = COMPARATORS[field].levels;
    const k = PLACE_INDEX.indexOf(f);
    let m: number[];
    let u: number[];
    if (k < 0) {
      const v = VARIABLES.findIndex((x) => x.fields[0] === f && x.fields.length === 1);
      [m, u] = [model.m[v], model.u[v]];
    } else {
      m = labels.map(() => 0);
      u = labels.map(() => 0);
      const place = VARIABLES[PLACE];
      const masks = model.placeMasks ?? [];
      for (let c = 0; c < place.categories; c++) {
        const l = fieldLevels(place, c)[k];
        const w = masks[place.group[c]] ?? 0;
        if (l === MISSING || !w) continue;
        m[l] += w * model.m[PLACE][c];
        u[l] += w * model.u[PLACE][c];
      }
      const [sm, su] = [m.reduce((x, y) => x + y, 0) || 1, u.reduce((x, y) => x + y, 0) || 1];
      m = m.map((x) => x / sm);
      u = u.map((x) => x / su);
    }
    return { field, levels: labels.map((label, l) => ({ label, m: m[l], u: u[l], weight: m[l] > 0 && u[l] > 0 ? Math.log2(m[l] / u[l]) : 0 })) };
  });
}
