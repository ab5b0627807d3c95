import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, jaroWinkler, soundex, tokenSimilarity } from './similarity.ts';
import { chineseName, normalizeBirthDate, splitFullName } from './normalize.ts';
import { prepareRecord, type PersonRecord } from './record.ts';
import { compareRecords, MISSING } from './compare.ts';
import { MATCH_FIELDS } from './record.ts';
import { excludeCommonValues } from './common-values.ts';
import { clusterMatches } from './cluster.ts';
import { linkRecords } from './link.ts';

const today = new Date('2026-11-22T00:00:00Z');
const level = (v: Int8Array, f: (typeof MATCH_FIELDS)[number]) => v[MATCH_FIELDS.indexOf(f)];

describe('string similarity', () => {
  it('reproduces the textbook Jaro–Winkler values', () => {
    assert.equal(jaroWinkler('martha', 'marhta').toFixed(4), '0.9611');
    assert.equal(jaroWinkler('dwayne', 'duane').toFixed(4), '0.8400');
    assert.equal(jaroWinkler('dixon', 'dicksonx').toFixed(4), '0.8133');
    assert.equal(jaroWinkler('abc', 'xyz'), 0);
  });
  it('counts an adjacent transposition as one edit and stops early past the limit', () => {
    assert.equal(editDistance('19600210', '19602010'), 1);
    assert.equal(editDistance('19600210', '19610201'), 2);
    assert.equal(editDistance('19600210', '19600201'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('abcdefgh', 'zyxwvuts', 2), 3);
  });
  it('scores reordered address words and soundex codes', () => {
    assert.ok(tokenSimilarity('tullaroop street', 'street tullaroop') > 0.99);
    assert.ok(tokenSimilarity('tullaroop street', 'tulaoop street') > 0.85);
    assert.ok(tokenSimilarity('goldfinch circuit', 'maltby circuit') < 0.85);
    assert.equal(soundex('Robert'), 'R163');
    assert.equal(soundex('Rupert'), 'R163');
    assert.equal(soundex('Ashcraft'), 'A261');
    assert.equal(soundex('Tymczak'), 'T522');
  });
});

describe('normalization', () => {
  it('reads Chinese names as pinyin, with surnames read as surnames and compound surnames kept whole', () => {
    const parts = (n: { surname: string | null; given: string | null }) => ({ surname: n.surname, given: n.given });
    assert.deepEqual(parts(chineseName('张伟')), { surname: 'zhang', given: 'wei' });
    assert.deepEqual(chineseName('单雄信').syllables, { surname: ['shan'], given: ['xiong', 'xin'] });
    assert.deepEqual(parts(chineseName('欧阳娜娜')), { surname: 'ouyang', given: 'nana' });
    assert.deepEqual(parts(splitFullName('張偉')), { surname: 'zhang', given: 'wei' }); // traditional characters
    assert.deepEqual(splitFullName('Sarah Bruhn'), { given: 'sarah', surname: 'bruhn' });
    assert.deepEqual(splitFullName('Bruhn, Sarah'), { given: 'sarah', surname: 'bruhn' });
  });
  it('accepts common date layouts and refuses absurd birth dates with a reason', () => {
    assert.deepEqual(normalizeBirthDate('1990-3-7', today), { ok: true, value: '19900307' });
    assert.deepEqual(normalizeBirthDate('19900307', today), { ok: true, value: '19900307' });
    assert.match((normalizeBirthDate('1850-01-01', today) as { reason: string }).reason, /before 1900/);
    assert.match((normalizeBirthDate('2099-01-01', today) as { reason: string }).reason, /future/);
    assert.match((normalizeBirthDate('1900-01-01', today) as { reason: string }).reason, /form default/);
    assert.match((normalizeBirthDate('next tuesday', today) as { reason: string }).reason, /not a date/);
  });
});

describe('record comparison', () => {
  const rec = (id: number, r: Omit<PersonRecord, 'id'>) => prepareRecord({ id, ...r }, today);
  it('treats traditional/simplified and homophone spellings of a Chinese name as the same pinyin', () => {
    const v = compareRecords(rec(1, { name: '張偉', phone: '13912345678' }), rec(2, { name: '章伟', phone: '139 1234 5678' }));
    assert.equal(level(v, 'surname'), 3);
    assert.equal(level(v, 'given'), 3);
    assert.equal(level(v, 'phone'), 2);
    assert.equal(level(v, 'email'), MISSING);
  });
  it('compares swapped given name and surname crosswise', () => {
    const v = compareRecords(rec(1, { givenName: 'sarah', surname: 'bruhn' }), rec(2, { givenName: 'bruhn', surname: 'sarah' }));
    assert.equal(level(v, 'given'), 3);
    assert.equal(level(v, 'surname'), 3);
  });
  it('recognises day/month swaps and single-digit typos in dates', () => {
    assert.equal(level(compareRecords(rec(1, { birthDate: '19600210' }), rec(2, { birthDate: '19601002' })), 'birthDate'), 2);
    assert.equal(level(compareRecords(rec(1, { birthDate: '19600210' }), rec(2, { birthDate: '19600211' })), 'birthDate'), 2);
    assert.equal(level(compareRecords(rec(1, { birthDate: '19600210' }), rec(2, { birthDate: '19850617' })), 'birthDate'), 0);
  });
  it('excludes a placeholder phone used by a store for every walk-in, and says why', () => {
    const records = Array.from({ length: 40 }, (_, i) => rec(i + 1, { name: `顾客${i}`, phone: '13911112222' }));
    const found = excludeCommonValues(records);
    assert.equal(found.length, 1);
    assert.equal(found[0].field, 'phone');
    assert.equal(found[0].records, 40);
    assert.equal(found[0].masked, '139****2222');
    assert.ok(records.every((r) => r.values.phone === undefined && /shared by 40 records/.test(r.excluded[0].reason)));
  });
});

describe('clustering', () => {
  it('does not chain two different people through a record that resembles both', () => {
    // 1≈2 and 2≈3 are strong, but 1 and 3 are clearly different.
    const p = new Map([['1:2', 0.999], ['2:3', 0.995], ['1:3', 0.01]]);
    const probability = (a: number, b: number) => p.get(a < b ? `${a}:${b}` : `${b}:${a}`) ?? 0;
    const out = clusterMatches([{ a: 1, b: 2, probability: 0.999 }, { a: 2, b: 3, probability: 0.995 }], { minCrossProbability: 0.5, probability });
    assert.deepEqual(out.clusters, [[1, 2]]);
    assert.deepEqual(out.refused.map((r) => [r.a, r.b, r.reason]), [[2, 3, 'conflicting_pair']]);
  });
  it('never joins a pair an operator rejected', () => {
    const out = clusterMatches([{ a: 1, b: 2, probability: 0.999 }], { minCrossProbability: 0.5, probability: () => 1, cannotLink: () => true });
    assert.deepEqual(out.clusters, []);
    assert.equal(out.refused[0].reason, 'rejected_by_operator');
  });
});

describe('batch linkage', () => {
  it('does not mass-merge records whose only shared value is a placeholder, and skips records with nothing to compare', () => {
    const records: PersonRecord[] = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, name: `Person${String.fromCharCode(97 + (i % 26))}${i} Zed${i}`, phone: '13911112222', birthDate: '1970-01-01' }));
    records.push({ id: 100, phone: '13955556666' });
    const out = linkRecords(records, { today });
    assert.equal(out.clusters.length, 0);
    assert.equal(out.skipped.some((s) => s.id === 100 && /comparable/.test(s.reason)), true);
    assert.equal(out.common[0].field, 'phone');
  });
});
