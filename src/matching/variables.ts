// What the model learns probabilities for. Most fields are one variable each, assumed independent given match
// status. The place fields (city, postcode, province) are not: in China a postcode lies in one city and a city in
// one province, so agreeing on all three is one coincidence, not three. They form one joint variable whose
// categories are the combinations of their levels, learnt per set of fields present (missing data is no evidence).
// Where the place fields really are independent (the Febrl files), the joint probabilities come out as products
// and the evidence is the same as counting them separately.
import { COMPARATORS, MISSING } from './compare.ts';
import { MATCH_FIELDS, type MatchField } from './record.ts';

export const PLACE_FIELDS = ['city', 'postcode', 'region'] as const satisfies readonly MatchField[];
export type PlaceField = (typeof PLACE_FIELDS)[number];
export const PLACE_INDEX = PLACE_FIELDS.map((f) => MATCH_FIELDS.indexOf(f));
const PLACE_LEVELS = PLACE_FIELDS.map((f) => COMPARATORS[f].levels.length);

export interface Variable {
  name: MatchField | 'place';
  /** Field indexes (MATCH_FIELDS) the variable reads. */
  fields: number[];
  categories: number;
  /** Categories that are normalised together (one group per set of fields present). */
  group: Int16Array;
  groups: number;
}

const single = (f: MatchField): Variable => {
  const n = COMPARATORS[f].levels.length;
  return { name: f, fields: [MATCH_FIELDS.indexOf(f)], categories: n, group: new Int16Array(n), groups: 1 };
};

/** Place category = mixed-radix number of (level + 1) per place field; 0 (nothing present) is MISSING. */
const PLACE_CATEGORIES = PLACE_LEVELS.reduce((n, l) => n * (l + 1), 1);

/** Which place fields a category has, as a bit mask (bit k = PLACE_FIELDS[k] present). */
export function placeMask(category: number): number {
  let mask = 0;
  for (let k = PLACE_FIELDS.length - 1; k >= 0; k--) {
    if (category % (PLACE_LEVELS[k] + 1) !== 0) mask |= 1 << k;
    category = Math.floor(category / (PLACE_LEVELS[k] + 1));
  }
  return mask;
}

/** The level of each place field in a category (MISSING when absent), in PLACE_FIELDS order. */
export function placeLevels(category: number): number[] {
  const out = new Array<number>(PLACE_FIELDS.length);
  for (let k = PLACE_FIELDS.length - 1; k >= 0; k--) {
    out[k] = (category % (PLACE_LEVELS[k] + 1)) - 1;
    category = Math.floor(category / (PLACE_LEVELS[k] + 1));
  }
  return out;
}

/** The level of each field a variable reads, for one of its categories. */
export const fieldLevels = (v: Variable, category: number): number[] => (v.fields.length === 1 ? [category] : placeLevels(category));

const place: Variable = {
  name: 'place',
  fields: PLACE_INDEX,
  categories: PLACE_CATEGORIES,
  group: Int16Array.from({ length: PLACE_CATEGORIES }, (_, c) => placeMask(c)),
  groups: 1 << PLACE_FIELDS.length,
};

export const VARIABLES: Variable[] = [...MATCH_FIELDS.filter((f) => !(PLACE_FIELDS as readonly string[]).includes(f)).map(single), place];
export const VARIABLE_COUNT = VARIABLES.length;

/** The category of each variable for a comparison vector (MISSING where the variable has no data). */
export function categories(levels: Int8Array, out = new Int16Array(VARIABLE_COUNT)): Int16Array {
  for (let v = 0; v < VARIABLE_COUNT; v++) {
    const fields = VARIABLES[v].fields;
    if (fields.length === 1) {
      out[v] = levels[fields[0]];
      continue;
    }
    let c = 0;
    for (let k = 0; k < fields.length; k++) c = c * (PLACE_LEVELS[k] + 1) + (levels[fields[k]] + 1);
    out[v] = c === 0 ? MISSING : c;
  }
  return out;
}

/** Normalises each group of a row to sum to one (with a floor, so no category is impossible). */
export function normalizeGroups(row: number[], variable: Variable, floor: number): number[] {
  const sums = new Float64Array(variable.groups);
  const floored = row.map((x) => Math.max(x, floor));
  floored.forEach((x, c) => (sums[variable.group[c]] += x));
  return floored.map((x, c) => x / sums[variable.group[c]]);
}
