// Over-used values: a phone a store types for every walk-in, a birth date a form defaults to, an email a shop
// uses for all guests. Matching on them would merge strangers by the hundred, so values held by far more records
// than one person plausibly has are taken out of matching, and the run reports each one with its count.
import { maskFor } from '../kernel/crypto/mask.ts';
import type { MatchField, PreparedRecord } from './record.ts';

export interface CommonValue {
  field: MatchField;
  /** The value itself, kept in memory to build its blind index; never stored or shown. */
  value?: string;
  /** Masked for display; the value itself is not reported. */
  masked: string;
  records: number;
  limit: number;
}

/** A person's own identifier appears on a handful of records (family phones, re-registrations), never dozens. */
const IDENTIFIER_LIMIT = 10;

export function limitFor(field: MatchField, total: number): number {
  if (field === 'birthDate') return Math.max(20, Math.ceil((10 * total) / (80 * 365)));
  return IDENTIFIER_LIMIT;
}

/**
 * Real-time matching decides on one record at a time, before a batch run has counted the whole base, so it also
 * asks how many *other people* (survivors, not profiles: one person's re-registrations count once) already hold
 * the value. A household shares a phone or an address with a few others; more than that and the value says where
 * someone shops, not who they are. Birthdays are shared by chance in proportion to the base, so their limit grows
 * with it (three times the expected number of people born on one day).
 */
export function sharedLimit(field: MatchField, total: number): number {
  if (field === 'birthDate') return Math.max(3, Math.ceil((3 * total) / (80 * 365)));
  return 3;
}

// Whole addresses too: a store's own address typed for every walk-in is as useless as its phone number.
export const CHECKED: MatchField[] = ['phone', 'email', 'idNumber', 'birthDate', 'address'];

/** Counts values over the whole batch, removes the over-used ones from the records and returns what was removed. */
export function excludeCommonValues(
  records: PreparedRecord[],
  /** Records that only count (profiles already merged away still tell how often a value was typed). */
  alsoCount: PreparedRecord[] = [],
): CommonValue[] {
  const found: CommonValue[] = [];
  for (const field of CHECKED) {
    const counts = new Map<string, number>();
    for (const r of [...records, ...alsoCount]) {
      const v = r.values[field];
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const limit = limitFor(field, records.length + alsoCount.length);
    const common = new Set<string>();
    for (const [v, n] of counts) {
      if (n <= limit) continue;
      common.add(v);
      found.push({ field, value: v, masked: field === 'birthDate' ? `${v.slice(0, 4)}-**-**` : maskFor(field === 'idNumber' ? 'id' : field, v), records: n, limit });
    }
    if (common.size === 0) continue;
    for (const r of records) {
      const v = r.values[field];
      if (v === undefined || !common.has(v)) continue;
      delete r.values[field];
      r.excluded.push({ field, reason: `value shared by ${counts.get(v) ?? 'too many'} records (more than ${limit}), treated as a placeholder` });
    }
  }
  return found.sort((x, y) => y.records - x.records);
}
