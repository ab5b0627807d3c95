// The compiled word lists of a process: the public lists compiled once and shared by every brand, and each brand's own
// lists compiled apart (small, so a brand's edit recompiles in milliseconds without touching the 64 K public words).
// A change builds a new Lexicon and swaps the reference; a moderator reading `current()` on its next message uses it,
// and one in the middle of a message finishes on the old one.
import { Lexicon, type LexiconInput, type WordCategory } from './lexicon.ts';
import { defaultListsDir, listsChanged, loadPublicLists, type PublicLists } from './lists.ts';
import type { LexiconSource } from './moderate.ts';
import type { Severity } from './verdict.ts';

/** A list a brand keeps in the console: words to block (or advertising words), or words to allow. */
export interface BrandList {
  name: string;
  kind: 'block' | 'allow';
  words: string[];
  /** For block lists; brand-defined words are 'brand' unless the list says what they are. */
  categories?: WordCategory[];
  /** Match homophones and pinyin (威信, weixin for 微信). */
  pinyin?: boolean;
  severity?: Severity;
}

export interface PublicListStatus {
  dir: string | null;
  files: { name: string; entries: number }[];
  entries: number;
  compileMs: number;
  /** Said in the console and the log: without the public lists only brand lists and patterns apply. */
  note: string;
}

export function brandLexiconInput(lists: BrandList[]): LexiconInput {
  const input: LexiconInput = { words: [], allow: [] };
  for (const l of lists) {
    if (l.kind === 'allow') input.allow.push(...l.words);
    else for (const word of l.words) input.words.push({ word, categories: l.categories?.length ? l.categories : ['brand'], list: `brand:${l.name}`, pinyin: l.pinyin, severity: l.severity });
  }
  return input;
}

export class LexiconStore {
  /** What was read (file names and times, not the words: those live on in the lexicon only). */
  private lists: Omit<PublicLists, 'input'> | undefined;
  private publicLexicon: Lexicon | null = null;
  private readonly brand = new Map<string, Lexicon | null>();

  /** `dir`: the configured folder (SIYU_MODERATION_LISTS); undefined for the default beside the repository. */
  constructor(private readonly dir: string | undefined = undefined) {}

  /** The public lexicon, compiled on first use (~1 s for the 64 K-word lists). */
  get public(): Lexicon | null {
    if (!this.lists) this.compilePublic();
    return this.publicLexicon;
  }

  /** Recompiles the public lists when a file was added, removed or changed; true when a new lexicon was swapped in. */
  refreshPublic(): boolean {
    if (this.lists && !listsChanged(this.lists)) return false;
    this.compilePublic();
    return true;
  }

  /** Compiles and swaps in a brand's lists (an empty set removes them). */
  setBrandLists(workspaceId: string, lists: BrandList[]): Lexicon | null {
    const input = brandLexiconInput(lists);
    const lexicon = input.words.length || input.allow.length ? Lexicon.compile(input) : null;
    this.brand.set(workspaceId, lexicon);
    return lexicon;
  }

  /** What a brand's moderator reads on every message. */
  sourceFor(workspaceId: string): LexiconSource {
    return {
      current: () => {
        const pub = this.public;
        const own = this.brand.get(workspaceId) ?? null;
        return pub && own ? [pub, own] : pub ? [pub] : own ? [own] : [];
      },
    };
  }

  status(): PublicListStatus {
    const pub = this.public;
    const lists = this.lists!;
    return {
      dir: lists.dir,
      files: lists.files.map((f) => ({ name: f.name, entries: f.entries })),
      entries: pub?.size ?? 0,
      compileMs: pub?.stats.compileMs ?? 0,
      note: lists.files.length
        ? `公共词库 ${pub?.size ?? 0} 条，读取自 ${lists.dir}（不随产品分发）`
        : '未找到公共词库（设置 SIYU_MODERATION_LISTS 指向词库目录）：仅使用品牌词库、广告规则和冒犯言论模型',
    };
  }

  private compilePublic() {
    const { input, ...lists } = loadPublicLists(this.dir ?? defaultListsDir());
    const lexicon = input.words.length || input.allow.length ? Lexicon.compile(input) : null;
    this.lists = lists;
    this.publicLexicon = lexicon;
  }
}
