import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Automaton, MatchBuffer } from './automaton.ts';

const codes = (s: string) => Array.from(s, (ch) => ch.codePointAt(0)!);

function occurrences(patterns: string[], text: string): string[] {
  const a = Automaton.build(patterns.map(codes));
  const t = Uint32Array.from(codes(text));
  const out = new MatchBuffer();
  a.scan(t, t.length, out);
  const found: string[] = [];
  for (let k = 0; k < out.count; k++) {
    const end = out.ends[k];
    const start = end - a.lengths[out.entries[k]] + 1;
    found.push(`${patterns[out.entries[k]]}@${start}`);
  }
  return found.sort();
}

function bruteForce(patterns: string[], text: string): string[] {
  const t = codes(text);
  const found: string[] = [];
  patterns.forEach((p, i) => {
    const pc = codes(p);
    if (pc.length === 0 || patterns.indexOf(p) !== i) return;
    for (let s = 0; s + pc.length <= t.length; s++) if (pc.every((c, j) => t[s + j] === c)) found.push(`${p}@${s}`);
  });
  return found.sort();
}

describe('Aho–Corasick automaton', () => {
  it('finds every overlapping occurrence of the textbook he/she/his/hers', () => {
    assert.deepEqual(occurrences(['he', 'she', 'his', 'hers'], 'ushers'), ['he@2', 'hers@2', 'she@1']);
  });

  it('reports a word ending inside a longer one through the failure links (习近 inside 学习近况 is still 习近)', () => {
    assert.deepEqual(occurrences(['学习近况报告', '习近', '近况'], '学习近况'), ['习近@1', '近况@2']);
  });

  it('matches symbols outside the BMP (emoji, CJK extension B) as whole code points', () => {
    assert.deepEqual(occurrences(['🐶狗', '𠀀字'], 'a🐶狗b𠀀字'), ['🐶狗@1', '𠀀字@4'].sort());
  });

  it('agrees with brute force on random patterns over a small alphabet (dense overlaps)', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const alphabet = ['甲', '乙', '丙', 'a', 'b'];
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join('');
    for (let round = 0; round < 20; round++) {
      const patterns = Array.from({ length: 30 }, () => word(1 + rand(5)));
      const text = word(200);
      assert.deepEqual(occurrences(patterns, text), bruteForce(patterns, text), `round ${round}`);
    }
  });

  it('ignores empty patterns and reports a duplicate under its first index', () => {
    const a = Automaton.build([[], codes('ab'), codes('ab')]);
    const out = new MatchBuffer();
    a.scan(Uint32Array.from(codes('xab')), 3, out);
    assert.equal(out.count, 1);
    assert.equal(out.entries[0], 1);
  });
});
