// Field comparators: each turns a pair of values into an agreement level (0 = disagree ... highest = exact), or
// MISSING when either side has no value, so that absent data is neither evidence for nor against a match.
// The levels are what the Fellegi–Sunter model learns m and u probabilities for.
import { MATCH_FIELDS, type MatchField, type PreparedRecord } from './record.ts';
import { fuzzySyllable, hasHan } from './normalize.ts';
import { editDistance, jaroWinkler, tokenSimilarity } from './similarity.ts';

export const MISSING = -1;

export interface Comparator {
  /** Level labels from disagreement (index 0) to the strongest agreement; shown as evidence in the console. */
  levels: string[];
  compare(a: string, b: string): number;
}

const nameLevels = ['different', 'similar', 'very similar', 'exact'];
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
  address: { levels: ['different', 'similar', 'exact'], compare: compareAddress },
};

/**
 * Whole addresses. One written in full and one shortened (without the district, the estate, the flat or a trailing
 * word) are similar, and so is a typo in the words. Chinese addresses have no spaces to split words on and share long prefixes
 * between neighbours (上海市浦东新区世纪大道…), so they are compared by containment and edit distance, not by
 * Jaro–Winkler, which rewards a shared prefix.
 */
function compareAddress(a: string, b: string): number {
  if (a === b) return 2;
  if (hasHan(a) || hasHan(b)) {
    const [x, y] = [a.replace(/ /g, ''), b.replace(/ /g, '')];
    const [short, long] = x.length <= y.length ? [x, y] : [y, x];
    if (short.length >= 6 && long.includes(short)) return 1;
    // Neighbours differ in a number (和平路484号 / 489号), so numbers must be the same; the words may have a typo.
    const numbers = (s: string) => s.match(/\d+/g)?.join(' ') ?? '';
    if (numbers(x) !== numbers(y)) return 0;
    return editDistance(x, y, 2) <= (short.length >= 10 ? 2 : 1) ? 1 : 0;
  }
  if (tokenSimilarity(a, b) >= 0.8) return 1;
  const [ta, tb] = [a.split(' '), b.split(' ')];
  const [short, long] = ta.length <= tb.length ? [ta, tb] : [tb, ta];
  return short.length >= 2 && short.every((w) => long.includes(w)) ? 1 : 0;
}

export const FIELD_COUNT = MATCH_FIELDS.length;
export const LEVEL_COUNTS = MATCH_FIELDS.map((f) => COMPARATORS[f].levels.length);

/**
 * The comparison vector of a pair, one level per field in MATCH_FIELDS order. Given name and surname are also
 * compared crosswise, and the crosswise reading wins when it agrees better: forms swap the two all the time. A name
 * written as one word ("jack", read as a surname) is compared with both parts of a full name, and counts for the
 * part it resembles; the other part is then missing, not different.
 */
export function compareRecords(a: PreparedRecord, b: PreparedRecord, out = new Int8Array(FIELD_COUNT)): Int8Array {
  for (let i = 2; i < FIELD_COUNT; i++) {
    const f = MATCH_FIELDS[i];
    const x = a.values[f];
    const y = b.values[f];
    out[i] = x === undefined || y === undefined ? MISSING : COMPARATORS[f].compare(x, y);
  }
  out[0] = partLevel(a, 'given', b, 'given');
  out[1] = partLevel(a, 'surname', b, 'surname');
  const [ag, as, bg, bs] = [a.values.given, a.values.surname, b.values.given, b.values.surname];
  if (out[0] + out[1] < 6 && sameCharactersRotated(a, b)) {
    out[0] = 3;
    out[1] = 3;
  } else if (ag && as && bg && bs && out[0] + out[1] < 6) {
    const g = partLevel(a, 'given', b, 'surname');
    const s = partLevel(a, 'surname', b, 'given');
    // Read crosswise, which part is the given name is unknown: the weaker agreement counts as the given name's, so
    // a shared surname read as a given name on one side (梦赵 / 赵敏瑶, 诗黄 / 黄杰诗) never passes for one.
    if (g + s > out[0] + out[1]) [out[0], out[1]] = [Math.min(g, s), Math.max(g, s)];
  } else if ((ag === undefined) !== (as === undefined) && bg && bs) {
    const part = ag === undefined ? 'surname' : 'given';
    singleAgainstFull(partLevel(a, part, b, 'given'), partLevel(a, part, b, 'surname'), out);
  } else if ((bg === undefined) !== (bs === undefined) && ag && as) {
    const part = bg === undefined ? 'surname' : 'given';
    singleAgainstFull(partLevel(a, 'given', b, part), partLevel(a, 'surname', b, part), out);
  }
  return out;
}

type NamePartKey = 'given' | 'surname';

/**
 * A Chinese name written given name first (杰晨李 for 李杰晨, as a form with separate 名 and 姓 boxes exports it) is
 * read with the wrong surname, so the parts do not line up: the same characters in rotated order are the same name.
 * Characters, not sounds: 林晨晶 and 陈晶琳 are rotations of the same syllables and two different people.
 */
function sameCharactersRotated(a: PreparedRecord, b: PreparedRecord): boolean {
  const [x, y] = [a.hanzi, b.hanzi];
  if (!x || !y || x.length !== y.length || x.length < 2 || x === y) return false;
  for (let k = 1; k < x.length; k++) if (x.slice(k) + x.slice(0, k) === y) return true;
  return false;
}


/** One name part of a against one of b: syllable by syllable when both are Chinese, else as strings. */
function partLevel(a: PreparedRecord, ap: NamePartKey, b: PreparedRecord, bp: NamePartKey): number {
  const x = a.values[ap];
  const y = b.values[bp];
  if (x === undefined || y === undefined) return MISSING;
  const sx = a.syllables?.[ap];
  const sy = b.syllables?.[bp];
  return sx && sy ? compareSyllables(sx, sy) : compareNamePart(x, y);
}

function singleAgainstFull(asGiven: number, asSurname: number, out: Int8Array) {
  [out[0], out[1]] = asGiven > asSurname ? [asGiven, MISSING] : [MISSING, asSurname];
}

/**
 * Chinese name parts, one syllable per character. Pinyin strings are short and alike ("jing" / "jin",
 * "yiting" / "yining"), so Jaro–Winkler calls different names similar; syllables tell what differs. Exact: the
 * same sounds (homophones typed by the pinyin IME are the same name). Similar: syllables that differ only in sounds
 * people confuse (zh/z, ing/in, n/l), one character of two or more different, or one dropped — also what relatives'
 * names look like (王静怡 / 王静雯, 黄欣琳 / 黄欣玲), so it is weak evidence and never "very similar". Otherwise
 * different.
 */
export function compareSyllables(a: string[], b: string[]): number {
  if (a.join('') === b.join('')) return 3;
  if (a.length === b.length) {
    let differ = 0;
    let fuzzy = true;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      differ++;
      if (fuzzySyllable(a[i]) !== fuzzySyllable(b[i])) fuzzy = false;
    }
    // Confused sounds (欣琳 xinlin / 欣玲 xinling) are a typo or a relative's name: similar, not more.
    if (fuzzy) return 1;
    return differ === 1 && a.length >= 2 ? 1 : 0;
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length === 1 && short.length >= 1) {
    const s = short.join('');
    if (long.slice(1).join('') === s || long.slice(0, -1).join('') === s) return 1;
  }
  return 0;
}
