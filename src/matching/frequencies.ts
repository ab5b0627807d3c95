// How common each value is (term frequencies). Two strangers agree on 上海 all the time and on a rare street almost
// never, so exact agreement on a value is weighed by its own frequency, not by the field's average (Fellegi–Sunter
// term-frequency adjustment, as in Splink): if p is the share of records holding the value and Σp² the chance
// that two records agree on the field at all, agreement on this value is Σp²/p times as telling as the average
// agreement the model learnt. For the place fields the frequency is that of the combination that agrees
// (上海+上海 is as common as 上海 alone).
import { FIELD_COUNT } from './compare.ts';
import { MATCH_FIELDS, type PreparedRecord } from './record.ts';
import { PLACE_FIELDS } from './variables.ts';

/** Per key family (a field name, `place<mask>`): how many records hold a value, and Σp² over its values. */
export type TfSummary = Record<string, { n: number; sumSq: number }>;

const PLACE_MASKS = (1 << PLACE_FIELDS.length) - 1;
/** Slots of a record's share vector: one per field, one per set of place fields, the name parts read either way. */
export const SLOT_PLACE = FIELD_COUNT; // + mask (1..7)
export const SLOT_GIVEN_EITHER = FIELD_COUNT + PLACE_MASKS + 1;
export const SLOT_SURNAME_EITHER = SLOT_GIVEN_EITHER + 1;
export const SHARE_SLOTS = SLOT_SURNAME_EITHER + 1;

const PLACE_AT = PLACE_FIELDS.map((f) => MATCH_FIELDS.indexOf(f));
const bitCount = (x: number) => {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
};
/** Sets of two or more place fields; a single place field is counted as that field. */
const PLACE_COMBOS = Array.from({ length: PLACE_MASKS }, (_, i) => i + 1).filter((m) => bitCount(m) >= 2);
const singlePlace = (mask: number) => PLACE_AT[Math.log2(mask)];

export interface FrequencyKey {
  slot: number;
  family: string;
  value: string;
  /** Only read (the name parts looked up in the other part's counts), not counted. */
  readOnly?: boolean;
}

/** Every value of a record that is counted or looked up: per field, per combination of place values, crosswise names. */
export function frequencyKeys(r: PreparedRecord): FrequencyKey[] {
  const out: FrequencyKey[] = [];
  for (let i = 0; i < FIELD_COUNT; i++) {
    const v = r.values[MATCH_FIELDS[i]];
    if (v !== undefined) out.push({ slot: i, family: MATCH_FIELDS[i], value: v });
  }
  for (const mask of PLACE_COMBOS) {
    let value = '';
    let complete = true;
    for (let k = 0; k < PLACE_AT.length && complete; k++) {
      if (!(mask & (1 << k))) continue;
      const v = r.values[PLACE_FIELDS[k]];
      if (v === undefined) complete = false;
      else value += `${v}\u0001`;
    }
    if (complete) out.push({ slot: SLOT_PLACE + mask, family: `place${mask}`, value });
  }
  // A given name compared with a surname (swapped order) is as common as the commoner reading.
  if (r.values.given) out.push({ slot: SLOT_GIVEN_EITHER, family: 'surname', value: r.values.given, readOnly: true });
  if (r.values.surname) out.push({ slot: SLOT_SURNAME_EITHER, family: 'given', value: r.values.surname, readOnly: true });
  return out;
}

/** The stored form of a family's value (real-time matching looks values up by a blind index of this). */
export const countKey = (family: string, value: string) => `${family}\u0001${value}`;

/** Counts of every value over a batch of records. */
export class ValueCounts {
  private readonly families = new Map<string, Map<string, number>>();

  /** Counts one record's values (its frequencyKeys). */
  add(keys: FrequencyKey[]) {
    for (const k of keys) {
      if (k.readOnly) continue;
      let counts = this.families.get(k.family);
      if (!counts) this.families.set(k.family, (counts = new Map()));
      counts.set(k.value, (counts.get(k.value) ?? 0) + 1);
    }
  }

  count(family: string, value: string): number {
    return this.families.get(family)?.get(value) ?? 0;
  }

  summary(): TfSummary {
    const out: TfSummary = {};
    for (const [family, counts] of this.families) {
      let n = 0;
      let sq = 0;
      for (const c of counts.values()) {
        n += c;
        sq += c * c;
      }
      out[family] = { n, sumSq: sq / (n * n) };
    }
    return out;
  }

  /** Values held by at least `min` records, as stored keys (rarer ones are weighed at the floor of two holders). */
  *common(min: number): Generator<[string, number]> {
    for (const [family, counts] of this.families) for (const [value, c] of counts) if (c >= min) yield [countKey(family, value), c];
  }
}

/**
 * A record's share vector (from its frequencyKeys): for each slot, the share of records holding its value, never
 * below two records (two records that agree on a value are at least two holders of it). `count` gives how many
 * records held a value; `extra` is added for a record that was not counted (real-time matching of a new profile).
 */
export function sharesOf(
  keys: FrequencyKey[], summary: TfSummary, count: (family: string, value: string) => number, extra = 0,
): Float32Array {
  const shares = new Float32Array(SHARE_SLOTS).fill(Number.NaN);
  for (const k of keys) {
    const n = summary[k.family]?.n;
    if (!n) continue;
    shares[k.slot] = Math.max(count(k.family, k.value) + (k.readOnly ? 0 : extra), 2) / (n + extra);
  }
  for (let k = 0; k < PLACE_AT.length; k++) shares[SLOT_PLACE + (1 << k)] = shares[PLACE_AT[k]];
  // The name parts read either way: the commoner of the two readings.
  const g = shares[MATCH_FIELDS.indexOf('given')];
  const s = shares[MATCH_FIELDS.indexOf('surname')];
  shares[SLOT_GIVEN_EITHER] = Math.max(g, nanTo0(shares[SLOT_GIVEN_EITHER]));
  shares[SLOT_SURNAME_EITHER] = Math.max(s, nanTo0(shares[SLOT_SURNAME_EITHER]));
  return shares;
}

const nanTo0 = (x: number) => (Number.isNaN(x) ? 0 : x);

/** The family whose Σp² weighs agreement on a set of place fields (a single field is its own family). */
export const placeFamily = (mask: number) => (bitCount(mask) >= 2 ? `place${mask}` : MATCH_FIELDS[singlePlace(mask)]);
