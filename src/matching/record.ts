// The person record the matcher compares, and its prepared (normalized) form. Profiles, import rows and the Febrl
// evaluation files all become PersonRecords; everything after this file sees only PreparedRecords.
import { normalizeIdentifier } from '../identity/identifiers.ts';
import { digitsOnly, namePart, normalizeBirthDate, normalizeText, splitFullName } from './normalize.ts';
import { soundex } from './similarity.ts';

export interface PersonRecord {
  id: number;
  /** Full name when it is not split ("张伟", "Sarah Bruhn"); ignored when givenName or surname is given. */
  name?: string | null;
  givenName?: string | null;
  surname?: string | null;
  birthDate?: string | null;
  phone?: string | null;
  email?: string | null;
  /** A national or social-security id, member card number printed on a card ... */
  idNumber?: string | null;
  streetNumber?: string | null;
  street?: string | null;
  /** Building, estate or second address line. */
  locality?: string | null;
  city?: string | null;
  postcode?: string | null;
  region?: string | null;
  /** Whole address in one string, used when it is not split into parts. */
  address?: string | null;
}

export const MATCH_FIELDS = [
  'given', 'surname', 'birthDate', 'idNumber', 'phone', 'email',
  'streetNumber', 'street', 'locality', 'city', 'postcode', 'region', 'address',
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface PreparedRecord {
  id: number;
  values: Partial<Record<MatchField, string>>;
  /** Phonetic codes of the name parts, for blocking. */
  givenCode: string;
  surnameCode: string;
  /** Values refused for matching, with the reason (absurd date, placeholder phone, over-used value ...). */
  excluded: { field: MatchField; reason: string }[];
  /** Name parts written in Chinese characters, one pinyin syllable per character (compared syllable by syllable). */
  syllables?: { given?: string[]; surname?: string[] };
  /** A Chinese name's characters (simplified) in the order written. */
  hanzi?: string;
  /** How common each of its values is (frequencies.ts), once counted. */
  shares?: Float32Array;
}

export function prepareRecord(r: PersonRecord, today: Date): PreparedRecord {
  const values: Partial<Record<MatchField, string>> = {};
  const excluded: PreparedRecord['excluded'] = [];
  const set = (field: MatchField, v: string | null | undefined) => {
    if (v) values[field] = v;
  };

  const g = namePart(r.givenName);
  const s = namePart(r.surname);
  let [given, surname] = [g?.value ?? null, s?.value ?? null];
  let syllables: PreparedRecord['syllables'] = g?.syllables || s?.syllables ? { given: g?.syllables, surname: s?.syllables } : undefined;
  let hanzi = g?.hanzi || s?.hanzi ? `${s?.hanzi ?? ''}${g?.hanzi ?? ''}` : undefined;
  if (!given && !surname && r.name) {
    const parts = splitFullName(r.name);
    [given, surname, syllables, hanzi] = [parts.given, parts.surname, parts.syllables, parts.hanzi];
  }
  set('given', given);
  set('surname', surname);

  const dob = normalizeBirthDate(r.birthDate, today);
  if (dob?.ok) set('birthDate', dob.value);
  else if (dob) excluded.push({ field: 'birthDate', reason: dob.reason });

  if (r.phone) {
    const p = normalizeIdentifier('phone', r.phone);
    // Landlines and foreign formats the identity rules refuse are still comparable by their digits.
    if (p.ok) set('phone', p.value);
    else if (/placeholder/.test(p.reason)) excluded.push({ field: 'phone', reason: p.reason });
    else set('phone', digitsOnly(r.phone));
  }
  if (r.email) {
    const e = normalizeIdentifier('email', r.email);
    if (e.ok) set('email', e.value);
    else excluded.push({ field: 'email', reason: e.reason });
  }
  set('idNumber', normalizeText(r.idNumber)?.replace(/ /g, ''));
  set('streetNumber', normalizeText(r.streetNumber)?.replace(/ /g, ''));
  set('street', normalizeText(r.street));
  set('locality', normalizeText(r.locality));
  set('city', normalizeText(r.city));
  set('postcode', normalizeText(r.postcode)?.replace(/ /g, ''));
  set('region', normalizeText(r.region));
  if (!values.street) set('address', normalizeText(r.address));

  return {
    id: r.id,
    values,
    givenCode: phonetic(values.given),
    surnameCode: phonetic(values.surname),
    excluded,
    ...(syllables ? { syllables } : {}),
    ...(hanzi ? { hanzi } : {}),
  };
}

/** Soundex of a name part; pinyin is Latin so Chinese names get codes too. */
function phonetic(v: string | undefined): string {
  return v ? soundex(v.replace(/ /g, '')) : '';
}

/** How many fields carry a value: a record with fewer than two is never matched (nothing comparable). */
export const comparableFields = (r: PreparedRecord) => Object.keys(r.values).length;
