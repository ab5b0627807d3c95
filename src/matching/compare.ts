// Field comparators: each turns a pair of values into an agreement level (0 = disagree ... highest = exact), or
// MISSING when either side has no value, so that absent data is neither evidence for nor against a match.
// The levels are what the Fellegi–Sunter model learns m and u probabilities for.
import { MATCH_FIELDS, type MatchField, type PreparedRecord } from './record.ts';
import { editDistance, jaroWinkler, tokenSimilarity } from './similarity.ts';

export const MISSING = -1;

export interface Comparator {
  /** Level labels from disagreement (index 0) to the strongest agreement; shown as evidence in the console. */
  levels: string[];
  compare(a: string, b: string): number;
}

const nameLevels = ['different', 'similar (JW ≥ 0.80)', 'very similar (JW ≥ 0.92)', 'exact'];
function compareNamePart(a: string, b: string): number {
  if (a === b) return 3;
  const jw = jaroWinkler(a, b);
  if (jw >= 0.92) return 2;
  if (jw >= 0.8) return 1;
  return 0;
}

const exactOrTypo = (a: string, b: string) => (a === b ? 2 : editDistance(a, b, 1) <= 1 ? 1 : 0);

export const COMPARATORS: Record<MatchField, Comparator> = {
  given: { levels: nameLevels, compare: compareNamePart },
  surname: { levels: nameLevels, compare: compareNamePart },
  birthDate: {
    levels: ['different', 'two digits differ', 'one typo or day/month swapped', 'exact'],
    compare(a, b) {
      if (a === b) return 3;
      if (a.slice(0, 4) + a.slice(6, 8) + a.slice(4, 6) === b) return 2;
      const d = editDistance(a, b, 2);
      return d <= 1 ? 2 : d === 2 ? 1 : 0;
    },
  },
  idNumber: { levels: ['different', 'one typo', 'exact'], compare: exactOrTypo },
  phone: {
    levels: ['different', 'one typo', 'exact'],
    compare: (a, b) => exactOrTypo(a.slice(-11), b.slice(-11)),
  },
  email: {
    levels: ['different', 'same mailbox name or one typo', 'exact'],
    compare(a, b) {
      if (a === b) return 2;
      return a.split('@')[0] === b.split('@')[0] || editDistance(a, b, 1) <= 1 ? 1 : 0;
    },
  },
  streetNumber: { levels: ['different', 'exact'], compare: (a, b) => (a === b ? 1 : 0) },
  street: {
    levels: ['different', 'similar words', 'exact'],
    compare: (a, b) => (a === b ? 2 : tokenSimilarity(a, b) >= 0.85 ? 1 : 0),
  },
  locality: {
    levels: ['different', 'similar words', 'exact'],
    compare: (a, b) => (a === b ? 2 : tokenSimilarity(a, b) >= 0.85 ? 1 : 0),
  },
  city: {
    levels: ['different', 'similar', 'exact'],
    compare: (a, b) => (a === b ? 2 : jaroWinkler(a, b) >= 0.88 ? 1 : 0),
  },
  postcode: { levels: ['different', 'one typo', 'exact'], compare: exactOrTypo },
  region: { levels: ['different', 'exact'], compare: (a, b) => (a === b ? 1 : 0) },
  address: {
    levels: ['different', 'similar words', 'exact'],
    compare: (a, b) => (a === b ? 2 : tokenSimilarity(a, b) >= 0.8 ? 1 : 0),
  },
};

export const FIELD_COUNT = MATCH_FIELDS.length;
export const LEVEL_COUNTS = MATCH_FIELDS.map((f) => COMPARATORS[f].levels.length);

/**
 * The comparison vector of a pair, one level per field in MATCH_FIELDS order. Given name and surname are also
 * compared crosswise, and the crosswise reading wins when it agrees better: forms swap the two all the time.
 */
export function compareRecords(a: PreparedRecord, b: PreparedRecord, out = new Int8Array(FIELD_COUNT)): Int8Array {
  for (let i = 0; i < FIELD_COUNT; i++) {
    const f = MATCH_FIELDS[i];
    const x = a.values[f];
    const y = b.values[f];
    out[i] = x === undefined || y === undefined ? MISSING : COMPARATORS[f].compare(x, y);
  }
  const ag = a.values.given;
  const as = a.values.surname;
  const bg = b.values.given;
  const bs = b.values.surname;
  if (ag && as && bg && bs && out[0] + out[1] < 6) {
    const g = COMPARATORS.given.compare(ag, bs);
    const s = COMPARATORS.surname.compare(as, bg);
    if (g + s > out[0] + out[1]) {
      out[0] = g;
      out[1] = s;
    }
  }
  return out;
}

/**
 * The fields themselves must favour "same person" at least 1000:1 (10 bits) for an automatic merge, whatever the
 * prior: a base where most candidate pairs are duplicates teaches EM a high share of matches, and that prior alone
 * must not carry a merge over a thin agreement (a given name and a city).
 */
export const MIN_AUTO_MERGE_BITS = 10;

/**
 * Whether a pair may be merged without a person looking. Besides the minimum evidence: when both name parts are on
 * both records and neither agrees (after the crosswise check), other agreements — an address, a birthday — are more
 * likely a household or a store's defaults than one person, so such pairs go to review at most.
 */
export function autoMergeAllowed(levels: Int8Array, weight: number): boolean {
  return autoMergeRefusal(levels, weight) === null;
}

/** Why a pair above the auto threshold still goes to a person, or null. */
function autoMergeRefusal(levels: Int8Array, weight: number): 'names_differ' | 'thin_evidence' | null {
  if (levels[0] === 0 && levels[1] === 0) return 'names_differ';
  return weight >= MIN_AUTO_MERGE_BITS ? null : 'thin_evidence';
}

/**
 * Why a pair that was not merged automatically waits for a person (the review queue shows it): below the auto
 * threshold it is the grey zone; above it, the name veto or the minimum evidence stopped it.
 */
export function reviewReason(levels: Int8Array, weight: number, probability: number, autoThreshold: number) {
  return (probability >= autoThreshold ? autoMergeRefusal(levels, weight) : null) ?? 'grey_zone';
}
