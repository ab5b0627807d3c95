import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultListsDir, loadPublicLists } from './lists.ts';
import { LexiconStore } from './lexicon-store.ts';
import { Moderator } from './moderate.ts';

const msg = (text: string, id = 'm1') => ({ id, groupId: 'g', senderId: 'u', sentAt: 0, type: 'text' as const, text });

describe('public word lists, read at run time', () => {
  it('finds the shared data folder beside the repository and reads its lists with their tags', () => {
    const dir = defaultListsDir();
    assert.ok(dir && dir.endsWith(path.join('shared', 'data', 'zh_moderation')));
    const lists = loadPublicLists(dir);
    assert.deepEqual(lists.files.map((f) => f.name).sort(), ['advertising.txt', 'houbb_sensitive_word_allow.txt', 'houbb_sensitive_word_dict.txt', 'houbb_sensitive_word_tags.txt']);
    const words = new Map(lists.input.words.filter((w) => w.list === 'public:houbb').map((w) => [w.word, w.categories]));
    assert.ok(words.size > 60_000, `${words.size} words`);
    assert.deepEqual(words.get('0售k粉qq'), ['drugs', 'illegal']);
    // The dictionary has a few dozen mis-decoded lines of control characters: they are not words.
    assert.ok(![...words.keys()].some((w) => /[\u0000-\u001f]/.test(w)));
    assert.ok(lists.input.allow.includes('生日快乐'));
    assert.ok(lists.input.words.some((w) => w.word === '兼职' && w.categories.includes('advertising')));
  });

  it('runs without public lists and says so', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-lists-'));
    const store = new LexiconStore(empty);
    assert.equal(store.public, null);
    assert.match(store.status().note, /SIYU_MODERATION_LISTS/);
    store.setBrandLists('w1', [{ name: '禁用词', kind: 'block', words: ['竞品A'] }]);
    const m = new Moderator({ lexicons: store.sourceFor('w1'), classifier: null });
    assert.equal(m.moderate(msg('去买竞品A吧')).verdicts[0].findings[0].code, 'brand_word');
  });
});

describe('refreshing lists', () => {
  it('swaps in a recompiled public lexicon when a list file changes, and only then', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-lists-'));
    fs.writeFileSync(path.join(dir, 'house.words.txt'), '旧词\n');
    const store = new LexiconStore(dir);
    const m = new Moderator({ lexicons: store.sourceFor('w1'), classifier: null });
    assert.equal(m.moderate(msg('一个旧词')).flagged, true);
    assert.equal(m.moderate(msg('一个新词')).flagged, false);
    assert.equal(store.refreshPublic(), false);

    fs.writeFileSync(path.join(dir, 'house.words.txt'), '新词\n');
    fs.utimesSync(path.join(dir, 'house.words.txt'), new Date(), new Date(Date.now() + 5000));
    assert.equal(store.refreshPublic(), true);
    assert.equal(m.moderate(msg('一个旧词')).flagged, false);
    assert.equal(m.moderate(msg('一个新词')).flagged, true);

    fs.writeFileSync(path.join(dir, 'house.allow.txt'), '新词典\n');
    assert.equal(store.refreshPublic(), true);
    assert.equal(m.moderate(msg('买本新词典')).flagged, false);
  });

  it("recompiles one brand's lists without touching another's", () => {
    const store = new LexiconStore(fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-lists-')));
    store.setBrandLists('a', [{ name: '竞品', kind: 'block', words: ['某宝'] }]);
    store.setBrandLists('b', [{ name: '竞品', kind: 'block', words: ['某东'] }]);
    const a = new Moderator({ lexicons: store.sourceFor('a'), classifier: null });
    const b = new Moderator({ lexicons: store.sourceFor('b'), classifier: null });
    assert.deepEqual([a.moderate(msg('某宝')).flagged, a.moderate(msg('某东')).flagged], [true, false]);
    store.setBrandLists('a', [{ name: '竞品', kind: 'block', words: ['某多多'], severity: 'high' }]);
    const r = a.moderate(msg('某多多'));
    assert.deepEqual([r.flagged, r.verdicts[0].severity, r.action], [true, 'high', 'remove']);
    assert.equal(a.moderate(msg('某宝')).flagged, false);
    assert.equal(b.moderate(msg('某东')).flagged, true);
  });
});
