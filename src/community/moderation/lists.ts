// The public word lists, read at run time from a folder — never shipped in the repository (their licences allow use,
// and the lists are large and change upstream): SIYU_MODERATION_LISTS, or by default the shared data folder beside the
// repository (../shared/data/zh_moderation) when it exists. Without any, moderation runs on the brand's own lists, the
// built-in advertising patterns and the classifier, and says so in its status.
//
// Files understood (all optional, UTF-8, one entry per line):
//   houbb_sensitive_word_dict.txt   words (houbb/sensitive-word, Apache-2.0)
//   houbb_sensitive_word_tags.txt   "word 1,4": categories 0 politics, 1 drugs, 2 porn, 3 gambling, 4 illegal
//   houbb_sensitive_word_allow.txt  words that are never reported (and whose inner words are not either)
//   advertising.txt                 advertising trigger words (konsheng/Sensitive-lexicon, MIT): weak signals only
//   *.words.txt / *.allow.txt       any further list of your own, as plain words
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LexiconInput, WordCategory, WordInput } from './lexicon.ts';

const TAGS: Record<string, WordCategory> = { '0': 'politics', '1': 'drugs', '2': 'porn', '3': 'gambling', '4': 'illegal' };

/** Folder beside the repository that holds the shared data sets, when present. */
export function defaultListsDir(): string | null {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const dir = path.resolve(repoRoot, '../shared/data/zh_moderation');
  return fs.existsSync(dir) ? dir : null;
}

export interface ListFile {
  name: string;
  entries: number;
  mtimeMs: number;
}

export interface PublicLists {
  dir: string | null;
  input: LexiconInput;
  files: ListFile[];
}

// Lines that are not words: the houbb dictionary has a few dozen lines of control characters (mis-decoded entries).
const JUNK = /[\p{Cc}\p{Cs}\uFFFD]/u;

function readLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !JUNK.test(l));
}

/** Reads every list in `dir` (null or missing: no public lists). */
export function loadPublicLists(dir: string | null): PublicLists {
  const input: LexiconInput = { words: [], allow: [] };
  const files: ListFile[] = [];
  if (!dir || !fs.existsSync(dir)) return { dir, input, files };
  const names = fs.readdirSync(dir).sort();
  const note = (name: string, entries: number) => files.push({ name, entries, mtimeMs: fs.statSync(path.join(dir, name)).mtimeMs });
  const tagged = new Map<string, WordCategory[]>();
  if (names.includes('houbb_sensitive_word_tags.txt')) {
    const lines = readLines(path.join(dir, 'houbb_sensitive_word_tags.txt'));
    for (const line of lines) {
      const cut = line.lastIndexOf(' ');
      if (cut <= 0) continue;
      const cats = line
        .slice(cut + 1)
        .split(',')
        .map((t) => TAGS[t.trim()])
        .filter((c): c is WordCategory => c !== undefined);
      tagged.set(line.slice(0, cut).trim(), cats);
    }
    note('houbb_sensitive_word_tags.txt', lines.length);
  }
  const words: WordInput[] = input.words;
  if (names.includes('houbb_sensitive_word_dict.txt')) {
    const lines = readLines(path.join(dir, 'houbb_sensitive_word_dict.txt'));
    for (const word of lines) words.push({ word, categories: tagged.get(word) ?? [], list: 'public:houbb' });
    note('houbb_sensitive_word_dict.txt', lines.length);
  }
  const inDict = new Set(words.map((w) => w.word));
  for (const [word, categories] of tagged) if (!inDict.has(word)) words.push({ word, categories, list: 'public:houbb' });
  if (names.includes('houbb_sensitive_word_allow.txt')) {
    const lines = readLines(path.join(dir, 'houbb_sensitive_word_allow.txt'));
    input.allow.push(...lines);
    note('houbb_sensitive_word_allow.txt', lines.length);
  }
  if (names.includes('advertising.txt')) {
    const lines = readLines(path.join(dir, 'advertising.txt'));
    for (const word of lines) words.push({ word, categories: ['advertising'], list: 'public:advertising' });
    note('advertising.txt', lines.length);
  }
  for (const name of names) {
    if (name.endsWith('.words.txt')) {
      const lines = readLines(path.join(dir, name));
      for (const word of lines) words.push({ word, categories: [], list: `public:${name.replace(/\.words\.txt$/, '')}` });
      note(name, lines.length);
    } else if (name.endsWith('.allow.txt')) {
      const lines = readLines(path.join(dir, name));
      input.allow.push(...lines);
      note(name, lines.length);
    }
  }
  return { dir, input, files };
}

/** True when a list file was added, removed or modified since `lists` was read. */
export function listsChanged(lists: Pick<PublicLists, 'dir' | 'files'>): boolean {
  if (!lists.dir || !fs.existsSync(lists.dir)) return lists.files.length > 0;
  const current = fs.readdirSync(lists.dir).filter(isListFile);
  if (current.length !== lists.files.length) return true;
  return lists.files.some((f) => {
    try {
      return fs.statSync(path.join(lists.dir!, f.name)).mtimeMs !== f.mtimeMs;
    } catch {
      return true;
    }
  });
}

const KNOWN_FILES = new Set(['houbb_sensitive_word_dict.txt', 'houbb_sensitive_word_tags.txt', 'houbb_sensitive_word_allow.txt', 'advertising.txt']);

function isListFile(name: string) {
  return KNOWN_FILES.has(name) || name.endsWith('.words.txt') || name.endsWith('.allow.txt');
}
