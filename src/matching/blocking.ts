// Blocking: which pairs are worth comparing. Comparing every pair of a million records is 5·10¹¹ comparisons, so
// records are only compared when they share a blocking key. Several keys, each built from different fields, keep
// true matches in view when any one field has a typo: two records are candidates if ANY key is shared.
import type { PreparedRecord } from './record.ts';
import { CHECKED } from './common-values.ts';

/** Blocks larger than this are dropped as non-discriminating (a shared placeholder, a hugely common name+postcode). */
export const MAX_BLOCK = 500;

export function blockingKeys(r: PreparedRecord): string[] {
  const v = r.values;
  const keys: string[] = [];
  const g = r.givenCode;
  const s = r.surnameCode;
  if (v.phone) keys.push(`phone:${v.phone}`);
  if (v.email) keys.push(`email:${v.email}`);
  if (v.idNumber) keys.push(`id:${v.idNumber}`);
  if (g && s) keys.push(`name:${[g, s].sort().join('|')}`);
  // A Chinese name's characters in any order (杰晨李 / 李杰晨: the parts are read differently, the sounds are the same).
  const syllables = [...(r.syllables?.surname ?? []), ...(r.syllables?.given ?? [])];
  if (syllables.length >= 2) keys.push(`hanzi:${syllables.sort().join(' ')}`);
  if (v.birthDate) {
    if (g) keys.push(`dob+g:${v.birthDate}|${g[0]}`);
    if (s) keys.push(`dob+s:${v.birthDate}|${s[0]}`);
  }
  // Birthday and postcode together are rare enough to propose pairs whose names are both spoilt or swapped.
  if (v.birthDate && v.postcode) keys.push(`dob+pc:${v.birthDate}|${v.postcode}`);
  if (v.postcode) {
    if (s) keys.push(`pc+s:${v.postcode}|${s}`);
    if (g) keys.push(`pc+g:${v.postcode}|${g}`);
  }
  if (v.street && v.streetNumber) keys.push(`street:${v.streetNumber}|${v.street}`);
  if (v.address) keys.push(`addr:${v.address}`);
  return keys;
}

/**
 * Keys that only count how many profiles hold a value (never used to propose pairs): real-time matching sees a
 * placeholder phone or a store's address as soon as it is over-used, without waiting for the next batch run.
 */
export function valueKeys(r: PreparedRecord): string[] {
  const keys: string[] = [];
  for (const field of CHECKED) {
    const v = r.values[field];
    if (v !== undefined) keys.push(`v:${field}:${v}`);
  }
  return keys;
}

export interface CandidatePairs {
  /** Record indexes of each pair, a < b. */
  a: Int32Array;
  b: Int32Array;
  count: number;
  /** Blocks dropped for being larger than MAX_BLOCK: key kind and size. */
  droppedBlocks: { key: string; size: number }[];
}

/**
 * All pairs of records (by index) that share at least one blocking key, each once. Works per record with a stamp
 * array instead of a global pair set, so memory stays proportional to the pairs, not to a hash table of them.
 */
export function candidatePairs(records: PreparedRecord[], maxBlock = MAX_BLOCK): CandidatePairs {
  const blocks = new Map<string, number[]>();
  const keysOf: string[][] = new Array(records.length);
  records.forEach((r, i) => {
    keysOf[i] = blockingKeys(r);
    for (const k of keysOf[i]) {
      const list = blocks.get(k);
      if (list) list.push(i);
      else blocks.set(k, [i]);
    }
  });
  const droppedBlocks: CandidatePairs['droppedBlocks'] = [];
  for (const [k, list] of blocks) {
    if (list.length > maxBlock) {
      droppedBlocks.push({ key: k.slice(0, k.indexOf(':')), size: list.length });
      blocks.delete(k);
    } else if (list.length === 1) blocks.delete(k);
  }

  let a: Int32Array = new Int32Array(1 << 16);
  let b: Int32Array = new Int32Array(1 << 16);
  let count = 0;
  const stamp = new Int32Array(records.length).fill(-1);
  for (let i = 0; i < records.length; i++) {
    for (const k of keysOf[i]) {
      const list = blocks.get(k);
      if (!list) continue;
      for (const j of list) {
        if (j <= i || stamp[j] === i) continue;
        stamp[j] = i;
        if (count === a.length) {
          a = grow(a);
          b = grow(b);
        }
        a[count] = i;
        b[count] = j;
        count++;
      }
    }
  }
  return { a, b, count, droppedBlocks };
}

function grow(arr: Int32Array): Int32Array {
  const next = new Int32Array(arr.length * 2);
  next.set(arr);
  return next;
}
