// Normalizing the fields people type differently: case, spacing and punctuation; traditional Chinese to simplified;
// Chinese names to toneless pinyin (so 张伟 / 張偉 / 章伟 compare as the homophones they are); dates in any common
// layout to YYYYMMDD; phones to their digits.
import { pinyin } from 'pinyin-pro';
import * as OpenCC from 'opencc-js';

const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });

const HAN = /[\u3400-\u9fff]/;
export const hasHan = (s: string) => HAN.test(s);

/** Lower case, ASCII punctuation to spaces, single spaces, traditional characters simplified. */
export function normalizeText(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  let s = String(raw).normalize('NFKC').toLowerCase();
  if (hasHan(s)) s = toSimplified(s);
  s = s.replace(/[.,;:'"`()[\]{}#/\\_\-]+/g, ' ').replace(/\s+/g, ' ').trim();
  return s === '' ? null : s;
}

// Two-character surnames; any other Chinese name takes its first character as the surname.
const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '令狐', '轩辕',
  '端木', '独孤', '南宫', '西门', '百里', '呼延', '万俟', '澹台', '公羊', '太史', '申屠', '钟离', '闻人', '赫连', '濮阳',
]);

export interface NameParts {
  given: string | null;
  surname: string | null;
  /** For names written in Chinese characters: the pinyin syllable of each character, per part. */
  syllables?: { given: string[]; surname: string[] };
  /** The characters themselves (simplified), as written. */
  hanzi?: string;
}

/** Chinese name (already simplified) to surname and given name in toneless pinyin, reading surnames as surnames (单 → shan). */
export function chineseName(name: string): NameParts {
  const han = name.replace(/[^\u3400-\u9fff]/g, '');
  if (!han) return { given: null, surname: null };
  const cut = han.length > 2 && COMPOUND_SURNAMES.has(han.slice(0, 2)) ? 2 : 1;
  const syllables = pinyin(han, { toneType: 'none', type: 'array', surname: 'head', v: true }) as string[];
  const surname = syllables.slice(0, cut);
  const given = syllables.slice(cut);
  return { surname: surname.join('') || null, given: given.join('') || null, syllables: { surname, given }, hanzi: han };
}

/** Splits a full name: Chinese by surname; Latin "given surname" (or "surname, given"). */
export function splitFullName(full: string): NameParts {
  const n = normalizeText(full);
  if (!n) return { given: null, surname: null };
  if (hasHan(n)) return chineseName(n);
  if (full.includes(',')) {
    const [surname, given] = full.split(',').map((p) => normalizeText(p));
    return { given: given ?? null, surname: surname ?? null };
  }
  const parts = n.split(' ');
  if (parts.length === 1) return { given: null, surname: parts[0] };
  return { given: parts.slice(0, -1).join(' '), surname: parts[parts.length - 1] };
}

/** A single name part (given name or surname) as it is compared: pinyin for Chinese, letters only otherwise. */
export function namePart(raw: string | null | undefined): { value: string; syllables?: string[]; hanzi?: string } | null {
  const n = normalizeText(raw);
  if (!n) return null;
  if (hasHan(n)) {
    const hanzi = n.replace(/[^\u3400-\u9fff]/g, '');
    const syllables = pinyin(hanzi, { toneType: 'none', type: 'array', v: true }) as string[];
    return syllables.length ? { value: syllables.join(''), syllables, hanzi } : null;
  }
  const letters = n.replace(/[^a-z ]/g, '').replace(/\s+/g, ' ').trim();
  return letters ? { value: letters } : null;
}

// Sounds that IME users and dialect speakers confuse (平翘舌 z/zh c/ch s/sh, 前后鼻音 in/ing en/eng an/ang, n/l):
// two syllables that differ only in these are the same name typed or heard differently.
const FUZZY: [RegExp, string][] = [[/^zh/, 'z'], [/^ch/, 'c'], [/^sh/, 's'], [/^l/, 'n'], [/ng$/, 'n']];

/** A syllable with the commonly confused sounds folded together. */
export const fuzzySyllable = (s: string) => FUZZY.reduce((x, [re, to]) => x.replace(re, to), s);

export type DateCheck = { ok: true; value: string } | { ok: false; reason: string };

/**
 * A birth date as YYYYMMDD. Dates with an impossible month or day are kept as written (a typo of a real date is
 * still evidence), but years before 1900 or in the future, and the defaults forms fill in, are refused.
 */
export function normalizeBirthDate(raw: string | null | undefined, today: Date): DateCheck | null {
  if (raw === null || raw === undefined || String(raw).trim() === '') return null;
  const s = String(raw).trim();
  // With separators month and day may be one digit; without them the date must be exactly YYYYMMDD.
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return { ok: false, reason: `"${s}" is not a date (expected YYYY-MM-DD or YYYYMMDD)` };
  const [y, mo, d] = [m[1], m[2].padStart(2, '0'), m[3].padStart(2, '0')];
  const year = Number(y);
  if (year < 1900) return { ok: false, reason: `birth year ${year} is before 1900` };
  if (year > today.getUTCFullYear()) return { ok: false, reason: `birth year ${year} is in the future` };
  const value = `${y}${mo}${d}`;
  if (PLACEHOLDER_DATES.has(value)) return { ok: false, reason: `${y}-${mo}-${d} is a form default, not a birth date` };
  return { ok: true, value };
}

// The "unknown" defaults of common systems; other over-used dates are found by counting (common-values.ts).
const PLACEHOLDER_DATES = new Set(['19000101', '19700101']);

export function digitsOnly(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const d = String(raw).replace(/\D/g, '');
  return d === '' ? null : d;
}
