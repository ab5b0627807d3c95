// When a scored pair may be merged without a person looking. The probability alone is not enough: a model fitted
// on a base with few duplicates can learn that agreeing on a city and a surname is a match, and no probability
// should merge two people who differ where people differ. So an automatic merge also needs
//   - agreement on something that identifies a person, never a place alone. With the name agreeing (see
//     nameAgreement), one of phone, email, id number, birthday or address line. With the name agreeing only in
//     part, a personal field (email, id number, birthday): a phone and an address are shared by a household, so
//     with half a name they say "same family", not "same person". With no name agreement, a personal field and
//     one more identifying field;
//   - no strong disagreement: both name parts different; different valid phones and different birthdays; or
//     different birthdays with given names that are at most similar (siblings, 王静怡 / 王静雯), unless an id number
//     agrees;
//   - at least MIN_AUTO_MERGE_BITS of evidence from the fields themselves.
// Pairs that fail a rule but score above the auto threshold go to the review queue with the rule as the reason: a
// person can still merge them after looking (a new phone number and a mistyped birthday happen).
import { LEVEL_COUNTS, MISSING } from './compare.ts';
import { MATCH_FIELDS, type MatchField } from './record.ts';

const at = (f: MatchField) => MATCH_FIELDS.indexOf(f);
const GIVEN = at('given');
const SURNAME = at('surname');
const BIRTH = at('birthDate');
const PHONE = at('phone');
const ID = at('idNumber');

/** Fields that identify a person, with the lowest level that counts as agreeing. */
const PERSONAL: [number, number][] = [[at('email'), 1], [ID, 1], [BIRTH, 2]];
/** Fields a household shares: they identify a person only together with the name, or with a personal field. */
const HOUSEHOLD: [number, number][] = [[PHONE, 1], [at('street'), 1], [at('locality'), 1], [at('address'), 1]];

/**
 * The fields themselves must favour "same person" at least 1000:1 (10 bits) for an automatic merge, whatever the
 * prior: a base where most candidate pairs are duplicates teaches EM a high share of matches, and that prior alone
 * must not carry a merge over a thin agreement.
 */
export const MIN_AUTO_MERGE_BITS = 10;

export type Refusal = 'names_differ' | 'conflicting_identifiers' | 'birthdays_differ' | 'no_identifier' | 'thin_evidence';

const agrees = (levels: Int8Array, [f, min]: [number, number]) => levels[f] !== MISSING && levels[f] >= min;

/** Strong disagreement: two records that differ like this are never one person's, even inside a cluster. */
export function conflict(levels: Int8Array): Refusal | null {
  if (levels[GIVEN] === 0 && levels[SURNAME] === 0) return 'names_differ';
  if (levels[PHONE] === 0 && levels[BIRTH] === 0) return 'conflicting_identifiers';
  return null;
}

/** Disagreement that stops an automatic merge of the pair itself. */
export function veto(levels: Int8Array): Refusal | null {
  const c = conflict(levels);
  if (c) return c;
  // An id number is one person's (a household does not share it): it outweighs a mistyped birthday.
  if (levels[BIRTH] === 0 && levels[GIVEN] !== MISSING && levels[GIVEN] < 2 && !(levels[ID] >= 1)) return 'birthdays_differ';
  return null;
}

/**
 * How far the name agrees. Full: the given name at least very similar and the surname similar, or the given name
 * exact whatever the surname (the given name is what tells family members apart; they share the surname, which
 * also changes on marriage in some places). Partial: only one part on both records and it agrees, or a given name
 * that is merely similar (王静怡 / 王静雯: one character of two). Otherwise none.
 */
export function nameAgreement(levels: Int8Array): 'full' | 'partial' | 'none' {
  const [g, s] = [levels[GIVEN], levels[SURNAME]];
  if (g === LEVEL_COUNTS[GIVEN] - 1 || (g >= 2 && s >= 1)) return 'full';
  if ((g >= 1 && s >= 1) || (g === MISSING && s >= 1) || (s === MISSING && g >= 2)) return 'partial';
  return 'none';
}

/** Whether the agreements include something that identifies a person (see the file comment). */
export function identifies(levels: Int8Array): boolean {
  const personal = PERSONAL.filter((p) => agrees(levels, p)).length;
  const household = (agrees(levels, HOUSEHOLD[0]) ? 1 : 0) + (HOUSEHOLD.slice(1).some((p) => agrees(levels, p)) ? 1 : 0);
  const name = nameAgreement(levels);
  if (name === 'full') return personal + household >= 1;
  if (name === 'partial') return personal >= 1;
  return personal >= 1 && personal + household >= 2;
}

/** Why a pair above the auto threshold still goes to a person, or null when it may be merged. */
export function autoMergeRefusal(levels: Int8Array, weight: number): Refusal | null {
  return veto(levels) ?? (identifies(levels) ? null : 'no_identifier') ?? (weight >= MIN_AUTO_MERGE_BITS ? null : 'thin_evidence');
}

export function autoMergeAllowed(levels: Int8Array, weight: number): boolean {
  return autoMergeRefusal(levels, weight) === null;
}

/**
 * Why a pair that was not merged automatically waits for a person (the review queue shows it): below the auto
 * threshold it is the grey zone; above it, the rule that stopped it.
 */
export function reviewReason(levels: Int8Array, weight: number, probability: number, autoThreshold: number) {
  return (probability >= autoThreshold ? autoMergeRefusal(levels, weight) : null) ?? 'grey_zone';
}
