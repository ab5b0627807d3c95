import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lexicon, type Span, type WordHit, type WordInput } from './lexicon.ts';
import { FoldedText } from './folded-text.ts';
import { findWords } from './sensitive.ts';

const words = (list: string[], extra: Partial<WordInput> = {}): WordInput[] => list.map((word) => ({ word, categories: ['abuse'], list: 'test', ...extra }));

function find(lexicon: Lexicon, text: string) {
  const hits: WordHit[] = [];
  const allowed: Span[] = [];
  lexicon.find(new FoldedText().load(text), hits, allowed);
  return hits.map((h) => ({ word: h.entry.word, text: text.slice(h.start, h.end), variant: h.variant }));
}

describe('sensitive words: variants writers use to slip past a list', () => {
  const lexicon = Lexicon.compile({ words: [...words(['傻逼', '赌博', 'sb', '代开发票'])], allow: [] });

  it('finds the word as listed, with its span', () => {
    assert.deepEqual(find(lexicon, '你这个傻逼'), [{ word: '傻逼', text: '傻逼', variant: 'exact' }]);
  });

  it('folds traditional characters, full-width letters and case', () => {
    assert.deepEqual(find(lexicon, '網上賭博'), [{ word: '赌博', text: '賭博', variant: 'folded' }]);
    assert.deepEqual(find(lexicon, '你是ＳＢ'), [{ word: 'sb', text: 'ＳＢ', variant: 'folded' }]);
    assert.deepEqual(find(lexicon, '你是SB'), [{ word: 'sb', text: 'SB', variant: 'folded' }]);
  });

  it('sees through symbols, spaces and emoji put between the characters, and maps the span back', () => {
    assert.deepEqual(find(lexicon, '傻*逼'), [{ word: '傻逼', text: '傻*逼', variant: 'separated' }]);
    assert.deepEqual(find(lexicon, '真是 傻 逼 啊'), [{ word: '傻逼', text: '傻 逼', variant: 'separated' }]);
    assert.deepEqual(find(lexicon, '🙂🙂傻🐶逼'), [{ word: '傻逼', text: '傻🐶逼', variant: 'separated' }]);
    assert.deepEqual(find(lexicon, '代-开-發-票'), [{ word: '代开发票', text: '代-开-發-票', variant: 'separated' }]);
  });

  it('does not join characters across a sentence break or a long gap', () => {
    assert.deepEqual(find(lexicon, '他很傻。逼得我没办法'), []);
    assert.deepEqual(find(lexicon, '傻 ~ ~ ~ 逼'), []);
  });

  it('does not find a Latin word inside a longer Latin word', () => {
    assert.deepEqual(find(lexicon, 'this is bad, sbux'), []);
    assert.deepEqual(find(lexicon, '你是sb吗'), [{ word: 'sb', text: 'sb', variant: 'exact' }]);
  });
});

describe('allow words', () => {
  it('drops a block word found inside an allow word, and only there', () => {
    const lexicon = Lexicon.compile({ words: words(['快乐', '曹操']), allow: ['生日快乐', '曹操'] });
    const text = new FoldedText().load('祝你生日快乐，曹操来了，快乐吗');
    const found = findWords(text, [lexicon]);
    assert.deepEqual(
      found.sensitive.map((f) => f.span),
      [{ start: 12, end: 14, text: '快乐' }],
    );
  });

  it("applies a brand's allow list to the public lists' words", () => {
    const publicLexicon = Lexicon.compile({ words: words(['白粉']), allow: [] });
    const brand = Lexicon.compile({ words: [], allow: ['白粉底'] });
    const text = new FoldedText().load('这款白粉底很好用，别碰白粉');
    assert.deepEqual(
      findWords(text, [publicLexicon, brand]).sensitive.map((f) => f.span?.text),
      ['白粉'],
    );
    assert.equal(findWords(text, [publicLexicon, brand]).sensitive[0].span?.start, 11);
  });
});

describe('pinyin and homophones (where the brand turns them on)', () => {
  const withPinyin = Lexicon.compile({ words: words(['微信', '拼多多'], { pinyin: true }), allow: [] });
  const without = Lexicon.compile({ words: words(['微信', '拼多多']), allow: [] });

  it('hits 微信 for 威信, 薇信 and weixin, and 拼多多 for pdd-free pinyin', () => {
    assert.deepEqual(find(withPinyin, '加我威信'), [{ word: '微信', text: '威信', variant: 'pinyin' }]);
    assert.deepEqual(find(withPinyin, '薇信聊'), [{ word: '微信', text: '薇信', variant: 'pinyin' }]);
    assert.deepEqual(find(withPinyin, 'WeiXin多少'), [{ word: '微信', text: 'WeiXin', variant: 'pinyin' }]);
    assert.deepEqual(find(withPinyin, '去pin多多买'), [{ word: '拼多多', text: 'pin多多', variant: 'pinyin' }]);
  });

  it('reports a word written as listed once, as exact, not again as pinyin', () => {
    assert.deepEqual(find(withPinyin, '微信'), [{ word: '微信', text: '微信', variant: 'exact' }]);
  });

  it('matches whole syllables only: 维修新 (weixiuxin) and 危险 are not 微信', () => {
    assert.deepEqual(find(withPinyin, '维修新车，危险'), []);
  });

  it('leaves homophones alone when the list does not ask for pinyin', () => {
    assert.deepEqual(find(without, '加我威信 weixin'), []);
  });
});

describe('messages in any script', () => {
  const lexicon = Lexicon.compile({ words: words(['傻逼', 'сука', 'ばか']), allow: [] });
  it('matches Cyrillic and kana words and ignores right-to-left text, combining marks and ZWJ emoji around them', () => {
    assert.deepEqual(find(lexicon, 'مرحبا 👨‍👩‍👧 сука ばか'), [
      { word: 'сука', text: 'сука', variant: 'exact' },
      { word: 'ばか', text: 'ばか', variant: 'exact' },
    ]);
    assert.deepEqual(find(lexicon, '傻\u0301逼'), [{ word: '傻逼', text: '傻\u0301逼', variant: 'separated' }]);
  });
  it('survives a lone surrogate and an empty message', () => {
    assert.deepEqual(find(lexicon, '\ud83d傻逼\ude00'), [{ word: '傻逼', text: '傻逼', variant: 'exact' }]);
    assert.deepEqual(find(lexicon, ''), []);
  });
});
