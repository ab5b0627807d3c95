// A compiled word list: block words and allow words folded the way messages are folded, merged by folded form, in one
// automaton (plus a pinyin automaton for the words whose list asks for homophone matching). Finding words in a message
// gives hits with their span in the original text and how the writer varied the word, and the spans of allow words
// (a block word inside an allow word, 曹操 in 曹操 as the list's allow entry, is not reported — see sensitive.ts).
import { Automaton, MatchBuffer } from './automaton.ts';
import { CharKind } from './chars.ts';
import { FoldedText, foldWord, pinyinOfWord } from './folded-text.ts';
import { maxSeverity, type Severity } from './verdict.ts';

export const WORD_CATEGORIES = ['politics', 'drugs', 'porn', 'gambling', 'illegal', 'advertising', 'abuse', 'general', 'brand'] as const;
export type WordCategory = (typeof WORD_CATEGORIES)[number];

/** How the writer varied the listed word: as listed; traditional/full-width/case; symbols or spaces inserted; homophone/pinyin. */
export type WordVariant = 'exact' | 'folded' | 'separated' | 'pinyin';

export interface WordInput {
  word: string;
  categories: WordCategory[];
  /** Name of the list it comes from ('public:houbb', 'brand:禁用词' ...), shown in reasons. */
  list: string;
  /** Match the word's pinyin too (威信 and weixin hit 微信). Only for words of two or more characters. */
  pinyin?: boolean;
  /** How serious a hit is, when the list says (brand lists do); otherwise judged from categories and variants. */
  severity?: Severity;
}

export interface LexiconInput {
  words: WordInput[];
  allow: string[];
}

export interface LexiconEntry {
  /** The word as first listed. */
  word: string;
  categories: WordCategory[];
  lists: string[];
  allow: boolean;
  severity: Severity | null;
  /** Kind of the first and last symbol: a Latin word must not start or end inside a longer Latin word. */
  firstKind: number;
  lastKind: number;
}

export interface WordHit {
  entry: LexiconEntry;
  /** Original UTF-16 range. */
  start: number;
  end: number;
  variant: WordVariant;
}

export interface Span {
  start: number;
  end: number;
}

// Characters allowed between two letters of one word: a few symbols, spaces or an emoji (傻*逼, 微 信, 傻🙂逼). Sentence
// punctuation and line breaks end a word, so 拿下。马上 is not 下马: a gap of more than MAX_GAP units is never joined.
const MAX_GAP = 4;
const SENTENCE_BREAK = /[，。！？；：、,!?;\n\r]/;
const MIN_PINYIN_LETTERS = 4;

export class Lexicon {
  private readonly buffer = new MatchBuffer();
  private readonly pinyinBuffer = new MatchBuffer();

  private constructor(
    readonly entries: LexiconEntry[],
    private readonly automaton: Automaton,
    private readonly pinyinAutomaton: Automaton | null,
    /** Entry of each pinyin pattern. */
    private readonly pinyinEntries: number[],
    readonly compileMs: number,
  ) {}

  static compile(input: LexiconInput): Lexicon {
    const t0 = performance.now();
    const byKey = new Map<string, number>();
    const entries: LexiconEntry[] = [];
    const patterns: number[][] = [];
    const pinyinWanted = new Set<number>();
    const add = (word: string, allow: boolean, w?: WordInput) => {
      const { symbols, kinds } = foldWord(word);
      if (symbols.length === 0 || (symbols.length === 1 && !allow)) return; // one letter matches everywhere
      const key = String.fromCodePoint(...symbols);
      let id = byKey.get(key);
      if (id === undefined) {
        id = entries.length;
        byKey.set(key, id);
        entries.push({ word, categories: [], lists: [], allow: false, severity: null, firstKind: kinds[0], lastKind: kinds[kinds.length - 1] });
        patterns.push(symbols);
      }
      const e = entries[id];
      if (allow) e.allow = true;
      if (w) {
        for (const c of w.categories) if (!e.categories.includes(c)) e.categories.push(c);
        if (!e.lists.includes(w.list)) e.lists.push(w.list);
        if (w.severity) e.severity = maxSeverity(e.severity, w.severity);
        if (w.pinyin && symbols.length >= 2) pinyinWanted.add(id);
      }
    };
    for (const w of input.words) add(w.word, false, w);
    for (const a of input.allow) add(a, true);
    // Most of 64 K entries share a handful of category and list sets: share the arrays (about 10 MB less).
    const interned = new Map<string, string[]>();
    const intern = <T extends string>(a: T[]): T[] => {
      const key = a.join('\u0000');
      const hit = interned.get(key);
      if (hit) return hit as T[];
      interned.set(key, a);
      return a;
    };
    for (const e of entries) {
      if (e.categories.length === 0 && e.lists.length > 0) e.categories.push('general');
      e.categories = intern(e.categories);
      e.lists = intern(e.lists);
    }

    const pinyinPatterns: number[][] = [];
    const pinyinEntries: number[] = [];
    const seenPinyin = new Set<string>();
    for (const id of pinyinWanted) {
      const py = pinyinOfWord(entries[id].word);
      if (!py || py.length < MIN_PINYIN_LETTERS || seenPinyin.has(py)) continue;
      seenPinyin.add(py);
      pinyinPatterns.push([...py].map((ch) => ch.charCodeAt(0)));
      pinyinEntries.push(id);
    }
    const automaton = Automaton.build(patterns);
    const pinyinAutomaton = pinyinPatterns.length ? Automaton.build(pinyinPatterns) : null;
    return new Lexicon(entries, automaton, pinyinAutomaton, pinyinEntries, performance.now() - t0);
  }

  get size() {
    return this.entries.length;
  }

  get stats() {
    return { entries: this.entries.length, states: this.automaton.states, bytes: this.automaton.bytes + (this.pinyinAutomaton?.bytes ?? 0), pinyinWords: this.pinyinEntries.length, compileMs: Math.round(this.compileMs) };
  }

  /** Appends the block words found in `text` to `hits` and the allow words' spans to `allowed`. */
  find(text: FoldedText, hits: WordHit[], allowed: Span[]): void {
    const buf = this.buffer;
    buf.count = 0;
    this.automaton.scan(text.symbols, text.length, buf);
    const lengths = this.automaton.lengths;
    const firstHit = hits.length;
    for (let k = 0; k < buf.count; k++) {
      const id = buf.entries[k];
      const last = buf.ends[k];
      const first = last - lengths[id] + 1;
      if (!joined(text, first, last)) continue;
      const entry = this.entries[id];
      const start = text.starts[first];
      const end = text.ends[last];
      if (entry.allow) allowed.push({ start, end });
      if (entry.lists.length === 0) continue;
      if (!wordBoundary(text, start, end, entry)) continue;
      hits.push({ entry, start, end, variant: variantOf(text, first, last, entry) });
    }
    if (this.pinyinAutomaton) this.findPinyin(text, hits, firstHit);
  }

  private findPinyin(text: FoldedText, hits: WordHit[], firstHit: number) {
    const stream = text.pinyin();
    const buf = this.pinyinBuffer;
    buf.count = 0;
    this.pinyinAutomaton!.scan(stream.letters, stream.length, buf);
    const lengths = this.pinyinAutomaton!.lengths;
    for (let k = 0; k < buf.count; k++) {
      const lastLetter = buf.ends[k];
      const firstLetter = lastLetter - lengths[buf.entries[k]] + 1;
      if (!stream.canStart[firstLetter] || !stream.canEnd[lastLetter]) continue;
      const first = stream.source[firstLetter];
      const last = stream.source[lastLetter];
      if (!joined(text, first, last)) continue;
      const entry = this.entries[this.pinyinEntries[buf.entries[k]]];
      const start = text.starts[first];
      const end = text.ends[last];
      if (!wordBoundary(text, start, end, entry)) continue;
      let seen = false;
      for (let h = firstHit; h < hits.length && !seen; h++) seen = hits[h].entry === entry && hits[h].start === start && hits[h].end === end;
      if (!seen) hits.push({ entry, start, end, variant: 'pinyin' });
    }
  }
}

/** Symbols first..last may form one word: the gaps between them are short and hold no sentence break. */
function joined(text: FoldedText, first: number, last: number): boolean {
  for (let i = first; i < last; i++) {
    const gap = text.starts[i + 1] - text.ends[i];
    if (gap === 0) continue;
    if (gap > MAX_GAP) return false;
    if (SENTENCE_BREAK.test(text.original.slice(text.ends[i], text.starts[i + 1]))) return false;
  }
  return true;
}

const isAsciiAlnum = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

/** A word beginning (ending) with a Latin letter or digit is not matched inside a longer run of them: "sb" is not in "is bad". */
function wordBoundary(text: FoldedText, start: number, end: number, entry: LexiconEntry): boolean {
  const f = text.folded;
  if ((entry.firstKind === CharKind.Latin || entry.firstKind === CharKind.Digit) && start > 0 && sameRun(entry.firstKind, f.charCodeAt(start - 1))) return false;
  if ((entry.lastKind === CharKind.Latin || entry.lastKind === CharKind.Digit) && end < f.length && sameRun(entry.lastKind, f.charCodeAt(end))) return false;
  return true;
}

function sameRun(kind: number, c: number) {
  if (!isAsciiAlnum(c)) return false;
  return kind === CharKind.Latin ? c >= 0x61 : c < 0x61;
}

function variantOf(text: FoldedText, first: number, last: number, entry: LexiconEntry): WordVariant {
  for (let i = first; i < last; i++) if (text.starts[i + 1] !== text.ends[i]) return 'separated';
  return text.original.slice(text.starts[first], text.ends[last]) === entry.word ? 'exact' : 'folded';
}
