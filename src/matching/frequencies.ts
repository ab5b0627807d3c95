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

const GIVEN = MATCH_FIELDS.indexOf('given');
const SURNAME = MATCH_FIELDS.indexOf('surname');

/** Every counted key of a record: its value per field, each combination of its place values, its name parts crosswise. */
export function frequencyKeys(r: PreparedRecord): { slot: number; family: string; key: string }[] {
  const out: { slot: number; family: string; key: string }[] = [];
  MATCH_FIELDS.forEach((f, i) => {
    const v = r.values[f];
    if (v !== undefined) out.push({ slot: i, family: f, key: `${f}\u0001${v}` });
  });
  for (let mask = 1; mask <= PLACE_MASKS; mask++) {
    const vals: string[] = [];
    for (let k = 0; k < PLACE_FIELDS.length; k++) {
      if (!(mask & (1 << k))) continue;
      const v = r.values[PLACE_FIELDS[k]];
      if (v === undefined) break;
      vals.push(v);
    }
    if (vals.length === bitCount(mask)) out.push({ slot: SLOT_PLACE + mask, family: `place${mask}`, key: `place${mask}\u0001${vals.join('\u0001')}` });
  }
  // A given name compared with a surname (swapped order) is as common as the commoner reading.
  if (r.values.given) out.push({ slot: SLOT_GIVEN_EITHER, family: 'surname', key: `surname\u0001${r.values.given}` });
  if (r.values.surname) out.push({ slot: SLOT_SURNAME_EITHER, family: 'given', key: `given\u0001${r.values.surname}` });
  return out;
}

const bitCount = (x: number) => {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
};

/** Counts of every value over a batch of records. */
export class ValueCounts {
  readonly counts = new Map<string, number>();

  constructor(records: PreparedRecord[]) {
    for (const r of records) {
      for (const k of frequencyKeys(r)) {
        if (k.slot === SLOT_GIVEN_EITHER || k.slot === SLOT_SURNAME_EITHER) continue; // read, not counted
        this.counts.set(k.key, (this.counts.get(k.key) ?? 0) + 1);
      }
    }
  }

  summary(): TfSummary {
    const out: TfSummary = {};
    const sq: Record<string, number> = {};
    for (const [key, c] of this.counts) {
      const family = key.slice(0, key.indexOf('\u0001'));
      out[family] ??= { n: 0, sumSq: 0 };
      out[family].n += c;
      sq[family] = (sq[family] ?? 0) + c * c;
    }
    for (const f of Object.keys(out)) out[f].sumSq = sq[f] / (out[f].n * out[f].n);
    return out;
  }

  /** Values held by at least `min` records (what real-time matching needs stored; rarer values use the floor). */
  *common(min: number): Generator<[string, number]> {
    for (const [key, c] of this.counts) if (c >= min) yield [key, c];
  }
}

/**
 * A record's share vector: for each slot, the share of records holding its value, never below two records (two
 * records that agree on a value are at least two holders of it). `count` gives how many records held a key;
 * `extra` is added for a record that was not counted (real-time matching of a new profile).
 */
export function sharesOf(r: PreparedRecord, summary: TfSummary, count: (key: string) => number, extra = 0): Float32Array {
  const shares = new Float32Array(SHARE_SLOTS).fill(Number.NaN);
  for (const k of frequencyKeys(r)) {
    const n = summary[k.family]?.n;
    if (!n) continue;
    const own = k.slot === SLOT_GIVEN_EITHER || k.slot === SLOT_SURNAME_EITHER ? 0 : extra;
    shares[k.slot] = Math.max(count(k.key) + own, 2) / (n + extra);
  }
  // The name parts read either way: the commoner of the two readings.
  const g = shares[GIVEN];
  const s = shares[SURNAME];
  shares[SLOT_GIVEN_EITHER] = Math.max(g, nanTo0(shares[SLOT_GIVEN_EITHER]));
  shares[SLOT_SURNAME_EITHER] = Math.max(s, nanTo0(shares[SLOT_SURNAME_EITHER]));
  return shares;
}

const nanTo0 = (x: number) => (Number.isNaN(x) ? 0 : x);
