// Sensitive words: every lexicon (the public lists, the brand's own) is searched, hits inside an allow word are dropped,
// and what is left becomes findings. Advertising trigger words are handed to the advertising detector instead: a lone
// 兼职 or 代购 is a weak sign of an advert, not a sensitive word.
//
// Severity: a brand list hit takes the list's severity (medium when it gives none) — the brand chose those words. The
// public lists are broad (女人 and 日本 are tagged), so one public word is low (review only); two different tagged
// words, or one written to dodge the filter (傻*逼, pinyin), is medium: hiding a word shows intent.
import type { FoldedText } from './folded-text.ts';
import type { Lexicon, LexiconEntry, Span, WordCategory, WordHit, WordVariant } from './lexicon.ts';
import { maxSeverity, span, type Finding, type Severity } from './verdict.ts';

export const CATEGORY_LABELS: Record<WordCategory, string> = {
  politics: '涉政',
  drugs: '毒品',
  porn: '色情',
  gambling: '赌博',
  illegal: '违法',
  advertising: '广告',
  abuse: '辱骂',
  general: '其他',
  brand: '品牌自定义',
};

const VARIANT_LABELS: Record<WordVariant, string> = {
  exact: '',
  folded: '，繁体/全角/大小写变体',
  separated: '，插入符号或空格',
  pinyin: '，拼音/谐音',
};

// A long message can hold hundreds of hits; the verdict lists the first ones and counts the rest.
const MAX_FINDINGS = 50;

const TAGGED: WordCategory[] = ['politics', 'drugs', 'porn', 'gambling', 'illegal', 'abuse'];

export interface WordFindings {
  sensitive: Finding[];
  severity: Severity | null;
  /** Advertising trigger words found, for the advertising detector. */
  adWords: WordHit[];
}

interface EntryLabel {
  brand: boolean;
  /** Categories other than advertising: empty for a pure advertising word. */
  categories: WordCategory[];
  labels: string;
}

// Derived once per lexicon entry (the lexicon is immutable), not per hit.
const labelCache = new WeakMap<LexiconEntry, EntryLabel>();
function labelOf(entry: LexiconEntry): EntryLabel {
  let l = labelCache.get(entry);
  if (!l) {
    const categories = entry.categories.filter((c) => c !== 'advertising');
    l = { brand: entry.lists.some((x) => x.startsWith('brand:')), categories, labels: categories.map((c) => CATEGORY_LABELS[c]).join('、') };
    labelCache.set(entry, l);
  }
  return l;
}

export function findWords(text: FoldedText, lexicons: readonly Lexicon[], hits: WordHit[] = [], allowed: Span[] = []): WordFindings {
  hits.length = 0;
  allowed.length = 0;
  for (const lexicon of lexicons) lexicon.find(text, hits, allowed);
  const out: WordFindings = { sensitive: [], severity: null, adWords: [] };
  if (hits.length === 0) return out;
  // The same word at the same place from two lists (public and brand) is one finding.
  const seen = new Set<string>();
  let listed = 0;
  let tagged = 0;
  let firstTagged: LexiconEntry | null = null;
  let severity: Severity | null = null;
  for (const h of hits) {
    if (isAllowed(h, allowed)) continue;
    const key = `${h.start},${h.end},${h.entry.word}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { brand, categories, labels } = labelOf(h.entry);
    if (categories.length === 0) {
      out.adWords.push(h);
      continue;
    }
    if (h.entry.categories.includes('advertising')) out.adWords.push(h);
    if (++listed <= MAX_FINDINGS) out.sensitive.push({
      code: brand ? 'brand_word' : 'sensitive_word',
      reason: `${brand ? '品牌禁用词' : '敏感词'}「${h.entry.word}」（${labels}${VARIANT_LABELS[h.variant]}）`,
      score: 1,
      span: span(text.original, h.start, h.end),
      detail: { word: h.entry.word, categories, lists: h.entry.lists, variant: h.variant },
    });
    if (brand) severity = maxSeverity(severity, h.entry.severity ?? 'medium');
    else {
      if (categories.some((c) => TAGGED.includes(c)) && firstTagged !== h.entry) {
        tagged++;
        firstTagged ??= h.entry;
      }
      severity = maxSeverity(severity, h.variant === 'separated' || h.variant === 'pinyin' ? 'medium' : 'low');
    }
  }
  if (listed > MAX_FINDINGS) out.sensitive.push({ code: out.sensitive[0].code, reason: `另有 ${listed - MAX_FINDINGS} 处未列出`, score: listed - MAX_FINDINGS });
  if (tagged >= 2) severity = maxSeverity(severity, 'medium');
  out.severity = severity;
  return out;
}

function isAllowed(h: WordHit, allowed: Span[]) {
  for (const a of allowed) if (a.start <= h.start && a.end >= h.end) return true;
  return false;
}
