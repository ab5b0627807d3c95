// A message prepared once for every detector: the folded string (same length as the original, for regular expressions)
// and the symbol stream the word automaton reads — letters and digits only, so 傻*逼 and 微 信 reach it as 傻逼 and 微信 —
// with each symbol's original UTF-16 range for mapping a match back to the text. Buffers are reused between messages:
// one FoldedText belongs to one moderator and is refilled by `load`.
import { CharKind, astralKind, foldTables, pinyinTables } from './chars.ts';

export class FoldedText {
  original = '';
  folded = '';
  /** Folded code points of the letters and digits, in order. */
  symbols = new Uint32Array(256);
  /** Original UTF-16 range [starts[i], ends[i]) of symbol i. */
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  kinds = new Uint8Array(256);
  length = 0;
  private units = new Uint16Array(256);
  private pinyinStream: PinyinStream | undefined;
  private pinyinFresh = false;

  load(text: string): this {
    const { fold, kind } = foldTables();
    this.original = text;
    this.pinyinFresh = false;
    const n = text.length;
    if (this.symbols.length < n) this.grow(n);
    if (this.units.length < n) this.units = new Uint16Array(Math.max(n, this.units.length * 2));
    const units = this.units;
    const { symbols, starts, ends, kinds } = this;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const u = text.charCodeAt(i);
      const f = fold[u];
      units[i] = f;
      let k: number = kind[u];
      if (k === CharKind.Surrogate) {
        const lo = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (u <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
          const cp = (u - 0xd800) * 0x400 + (lo - 0xdc00) + 0x10000;
          units[i + 1] = lo;
          k = astralKind(cp);
          if (k !== CharKind.Skip) {
            symbols[m] = cp;
            starts[m] = i;
            ends[m] = i + 2;
            kinds[m++] = k;
          }
          i++;
        }
        continue;
      }
      if (k === CharKind.Skip) continue;
      symbols[m] = f;
      starts[m] = i;
      ends[m] = i + 1;
      kinds[m++] = k;
    }
    this.length = m;
    this.folded = n === 0 ? '' : Buffer.from(units.buffer, 0, n * 2).toString('utf16le');
    return this;
  }

  /** The same message as pinyin letters (Han characters by their reading, Latin letters as typed), built on demand. */
  pinyin(): PinyinStream {
    if (!this.pinyinStream) this.pinyinStream = new PinyinStream();
    if (!this.pinyinFresh) {
      this.pinyinStream.load(this);
      this.pinyinFresh = true;
    }
    return this.pinyinStream;
  }

  private grow(n: number) {
    const size = Math.max(n, this.symbols.length * 2);
    this.symbols = new Uint32Array(size);
    this.starts = new Int32Array(size);
    this.ends = new Int32Array(size);
    this.kinds = new Uint8Array(size);
  }
}

/** Symbol that matches nothing: digits and other scripts break a pinyin word. */
export const PINYIN_BREAK = 0;

export class PinyinStream {
  letters = new Uint32Array(512);
  /** Index of the FoldedText symbol each letter comes from. */
  source = new Int32Array(512);
  /** May a match start / end at this letter: the first / last letter of a Han character's syllable, any Latin letter. */
  canStart = new Uint8Array(512);
  canEnd = new Uint8Array(512);
  length = 0;

  load(text: FoldedText) {
    const { syllableOf, letters: table, letterStart } = pinyinTables();
    // At most 6 letters per character (zhuang, shuang): grow once, then write without checks.
    if (this.letters.length < text.length * 6) this.grow(text.length * 6);
    const { letters, source, canStart, canEnd } = this;
    let m = 0;
    for (let i = 0; i < text.length; i++) {
      const k = text.kinds[i];
      const sym = text.symbols[i];
      const py = k === CharKind.Han && sym < 0x10000 ? syllableOf[sym] : 0;
      if (py) {
        const from = letterStart[py - 1];
        const to = letterStart[py];
        for (let j = from; j < to; j++) {
          letters[m] = table[j];
          source[m] = i;
          canStart[m] = j === from ? 1 : 0;
          canEnd[m++] = j === to - 1 ? 1 : 0;
        }
      } else {
        letters[m] = k === CharKind.Latin ? sym : PINYIN_BREAK;
        source[m] = i;
        canStart[m] = 1;
        canEnd[m++] = 1;
      }
    }
    this.length = m;
  }

  private grow(n: number) {
    const size = Math.max(n, this.letters.length * 2);
    const grow = <T extends Uint32Array | Int32Array | Uint8Array>(a: T, b: T) => (b.set(a), b);
    this.letters = grow(this.letters, new Uint32Array(size));
    this.source = grow(this.source, new Int32Array(size));
    this.canStart = grow(this.canStart, new Uint8Array(size));
    this.canEnd = grow(this.canEnd, new Uint8Array(size));
  }
}

/** A word's symbols as FoldedText would produce them (for compiling word lists with the same folding as messages). */
const wordScratch = new FoldedText();
export function foldWord(word: string): { symbols: number[]; kinds: number[] } {
  const t = wordScratch.load(word);
  return { symbols: Array.from(t.symbols.subarray(0, t.length)), kinds: Array.from(t.kinds.subarray(0, t.length)) };
}

/** A word's pinyin letters, or null when some character has no reading (digits, other scripts). */
export function pinyinOfWord(word: string): string | null {
  const { syllableOf, syllables } = pinyinTables();
  const { symbols, kinds } = foldWord(word);
  let out = '';
  for (let i = 0; i < symbols.length; i++) {
    if (kinds[i] === CharKind.Latin) out += String.fromCharCode(symbols[i]);
    else if (kinds[i] === CharKind.Han && symbols[i] < 0x10000 && syllableOf[symbols[i]]) out += syllables[syllableOf[symbols[i]] - 1];
    else return null;
  }
  return out;
}
