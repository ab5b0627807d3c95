// Character folding shared by every moderation detector. People dodge word filters by writing 傻逼 as 傻ｂ, 傻*逼,
// 傻 逼 or 儍逼, so text and word lists are both folded to one form before matching: compatibility forms to their plain
// letter (full-width ＡＢＣ, circled ①, Kangxi radicals ⼈), upper to lower case, traditional to simplified (OpenCC's
// character table), look-alike Cyrillic/Greek letters to Latin. Every rule maps one UTF-16 unit to one unit, so a folded
// string has the same length as the original and a span found in it is a span of the original.
//
// The tables cover the Basic Multilingual Plane (64 K entries each, built once in ~100 ms on first use); characters
// outside it (emoji, rare CJK extension B) pass through unchanged as surrogate pairs.
import * as OpenCC from 'opencc-js';
import { pinyin } from 'pinyin-pro';

/** What a folded unit is, for matching: symbols, spaces and emoji are skipped so that inserted ones do not break a word. */
export const CharKind = {
  Skip: 0,
  Han: 1,
  Latin: 2,
  Digit: 3,
  /** Letters and digits of other scripts (kana, hangul, Cyrillic that has no Latin look-alike ...). */
  OtherLetter: 4,
  /** Half of a surrogate pair: the pair is classified by `astralKind`. */
  Surrogate: 5,
} as const;
export type CharKind = (typeof CharKind)[keyof typeof CharKind];

export interface FoldTables {
  fold: Uint16Array;
  kind: Uint8Array;
}

// Letters that look like Latin ones and are typed to slip past filters (сао → cao).
const LOOKALIKES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's',
  α: 'a', β: 'b', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
  // Plus signs used in "➕V" (add me on WeChat).
  '➕': '+', '✚': '+', '﹢': '+',
};

let tables: FoldTables | undefined;

export function foldTables(): FoldTables {
  if (tables) return tables;
  const fold = new Uint16Array(65536);
  const kind = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      fold[c] = c;
      kind[c] = CharKind.Surrogate;
      continue;
    }
    let s = String.fromCharCode(c).normalize('NFKC').toLowerCase();
    if (s.length !== 1) s = String.fromCharCode(c).toLowerCase();
    if (s.length !== 1) s = String.fromCharCode(c);
    s = LOOKALIKES[s] ?? s;
    fold[c] = s.charCodeAt(0);
  }
  // Traditional → simplified, one character at a time (separated so that OpenCC's phrase table does not join them).
  const toSimplified = OpenCC.Converter({ from: 't', to: 'cn' });
  const han: number[] = [];
  for (let c = 0; c < 65536; c++) if (isHanCode(fold[c])) han.push(c);
  const converted = toSimplified(han.map((c) => String.fromCharCode(fold[c])).join('\n')).split('\n');
  han.forEach((c, i) => {
    if (converted[i]?.length === 1) fold[c] = converted[i].charCodeAt(0);
  });
  for (let c = 0; c < 65536; c++) if (kind[c] !== CharKind.Surrogate) kind[c] = kindOf(fold[c]);
  tables = { fold, kind };
  return tables;
}

function isHanCode(c: number) {
  return (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || c === 0x3007;
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;
const HAN = /^\p{Script=Han}$/u;

function kindOf(c: number): CharKind {
  if (c >= 0x61 && c <= 0x7a) return CharKind.Latin;
  if (c >= 0x30 && c <= 0x39) return CharKind.Digit;
  const s = String.fromCharCode(c);
  if (HAN.test(s)) return CharKind.Han;
  return LETTER_OR_NUMBER.test(s) ? CharKind.OtherLetter : CharKind.Skip;
}

const astralCache = new Map<number, CharKind>();
/** Kind of a character outside the BMP: CJK extensions are Han, emoji and other symbols are skipped. */
export function astralKind(codePoint: number): CharKind {
  let k = astralCache.get(codePoint);
  if (k === undefined) {
    const s = String.fromCodePoint(codePoint);
    k = HAN.test(s) ? CharKind.Han : LETTER_OR_NUMBER.test(s) ? CharKind.OtherLetter : CharKind.Skip;
    if (astralCache.size < 10_000) astralCache.set(codePoint, k);
  }
  return k;
}

/** The folded form of a whole string, same length as the input (see the header). */
export function foldString(text: string): string {
  const { fold } = foldTables();
  const n = text.length;
  const units = new Uint16Array(n);
  for (let i = 0; i < n; i++) units[i] = fold[text.charCodeAt(i)];
  return Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
}

export interface PinyinTable {
  /** Syllable id + 1 of each BMP character (0: none), for the character's most common reading. */
  syllableOf: Uint16Array;
  /** Toneless syllables, ü written v (lv, nv) as people type it. */
  syllables: string[];
  /** The same letters flat: syllable id s spans letters[letterStart[s], letterStart[s + 1]). */
  letters: Uint8Array;
  letterStart: Uint32Array;
}

let pinyinTable: PinyinTable | undefined;

/** Built on first use (~150 ms): only brands that turn pinyin matching on pay for it. */
export function pinyinTables(): PinyinTable {
  if (pinyinTable) return pinyinTable;
  const { fold } = foldTables();
  const syllableOf = new Uint16Array(65536);
  const ids = new Map<string, number>();
  const syllables: string[] = [];
  for (let c = 0x3007; c <= 0x9fff; c++) {
    if (c > 0x3007 && c < 0x3400) continue;
    const py = pinyin(String.fromCharCode(fold[c]), { toneType: 'none', v: true });
    if (!/^[a-z]+$/.test(py)) continue;
    let id = ids.get(py);
    if (id === undefined) {
      id = syllables.length;
      syllables.push(py);
      ids.set(py, id);
    }
    syllableOf[c] = id + 1;
  }
  const letterStart = new Uint32Array(syllables.length + 1);
  syllables.forEach((py, i) => (letterStart[i + 1] = letterStart[i] + py.length));
  const letters = Uint8Array.from(syllables.join(''), (ch) => ch.charCodeAt(0));
  pinyinTable = { syllableOf, syllables, letters, letterStart };
  return pinyinTable;
}
