import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, jaroWinkler, soundex, tokenSimilarity } from './similarity.ts';
import { chineseName, normalizeBirthDate, splitFullName } from './normalize.ts';
import { prepareRecord, type PersonRecord } from './record.ts';
import { compareRecords, compareSyllables, MISSING } from './compare.ts';
import { autoMergeRefusal } from './rules.ts';
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

describe('Chinese names and addresses', () => {
  const rec = (id: number, r: Omit<PersonRecord, 'id'>) => prepareRecord({ id, ...r }, today);
  const names = (x: string, y: string) => {
    const v = compareRecords(rec(1, { name: x }), rec(2, { name: y }));
    return [level(v, 'given'), level(v, 'surname')];
  };
  it('compares given names syllable by syllable', () => {
    assert.equal(compareSyllables(['jing', 'yi'], ['jing', 'yi']), 3);
    assert.equal(compareSyllables(['jing', 'yi'], ['jin', 'yi']), 1, 'ing/in are confused: a typo, or a relative');
    assert.equal(compareSyllables(['ling'], ['ning']), 1);
    assert.equal(compareSyllables(['zhi', 'hao'], ['zi', 'hao']), 1, 'zh/z are confused');
    assert.equal(compareSyllables(['jing', 'yi'], ['jing', 'wen']), 1, 'one character of two: siblings look like this');
    assert.equal(compareSyllables(['wei'], ['wen']), 0, 'one character that differs is a different name');
    assert.equal(compareSyllables(['jing', 'yi'], ['jing']), 1);
    assert.deepEqual(names('王静怡', '王静雯'), [1, 3]);
    assert.deepEqual(names('王伟', '王文'), [0, 3]);
    assert.deepEqual(names('陈婧', '陳靜'), [3, 3], 'homophone in traditional characters');
  });
  it('reads a name written given name first, and never lets one crosswise agreement pass for a given name', () => {
    assert.deepEqual(names('李杰晨', '杰晨李'), [3, 3]);
    assert.notDeepEqual(names('林晨晶', '陈晶琳'), [3, 3], 'the same sounds rotated, but other characters');
    assert.deepEqual(names('梦赵', '赵敏瑶'), [0, 3], 'only the surname agrees');
    assert.deepEqual(names('诗黄', '黄杰诗'), [1, 3], 'read crosswise, the weaker agreement is the given name\'s');
    assert.deepEqual(names('Jingyi Wang', '王静怡'), [3, 3]);
  });
  it('finds shortened and mistyped Chinese addresses similar, neighbours on one road different', () => {
    const addr = (x: string, y: string) => level(compareRecords(rec(1, { name: 'a', address: x }), rec(2, { name: 'a', address: y })), 'address');
    const full = '浦东新区世纪大道188号阳光花园3栋1202室';
    assert.equal(addr(full, full), 2);
    assert.equal(addr(full, '世纪大道188号阳光花园3栋1202室'), 1, 'without the district');
    assert.equal(addr(full, '浦东新区世纪大道188号'), 1, 'without the flat');
    assert.equal(addr(full, '浦東新區世紀大道188號陽光花園3棟1202室'), 2, 'traditional characters');
    assert.equal(addr(full, '浦东新区世纪大道26号锦绣苑5栋801室'), 0, 'a neighbour');
    assert.equal(addr('鼓楼区和平路484号703室', '鼓楼区和平路489号503室'), 0, 'a neighbour two digits away');
    assert.equal(addr(full, '浦东新区世紀大到188号阳光花园3栋1202室'), 1, 'a typo in the words');
    assert.equal(addr('30 learmonth drive wallace heights', '30 learmonth drive'), 1);
  });
});

describe('automatic merge rules', () => {
  const levels = (l: Partial<Record<(typeof MATCH_FIELDS)[number], number>>) => Int8Array.from(MATCH_FIELDS, (f) => l[f] ?? MISSING);
  it('refuse geography and a name alone, and household fields with half a name', () => {
    assert.equal(autoMergeRefusal(levels({ given: 3, surname: 3, city: 2, region: 1 }), 30), 'no_identifier');
    assert.equal(autoMergeRefusal(levels({ given: 3, surname: 3, phone: 2, city: 2 }), 30), null);
    assert.equal(autoMergeRefusal(levels({ given: 1, surname: 3, phone: 2, address: 2 }), 30), 'no_identifier', 'sisters sharing the family phone');
    assert.equal(autoMergeRefusal(levels({ given: 1, surname: 3, phone: 2, birthDate: 3 }), 30), null);
    assert.equal(autoMergeRefusal(levels({ given: 0, surname: 3, phone: 2, address: 2 }), 30), 'no_identifier');
    assert.equal(autoMergeRefusal(levels({ given: 0, surname: 3, birthDate: 3, address: 1 }), 30), null);
    assert.equal(autoMergeRefusal(levels({ given: 3, surname: 3, phone: 2 }), 5), 'thin_evidence');
  });
  it('veto strong disagreement', () => {
    assert.equal(autoMergeRefusal(levels({ given: 0, surname: 0, phone: 2, birthDate: 3 }), 30), 'names_differ');
    assert.equal(autoMergeRefusal(levels({ given: 3, surname: 3, phone: 0, birthDate: 0, email: 2 }), 30), 'conflicting_identifiers');
    assert.equal(autoMergeRefusal(levels({ given: 1, surname: 3, phone: 2, birthDate: 0 }), 30), 'birthdays_differ');
    assert.equal(autoMergeRefusal(levels({ given: 1, surname: 3, idNumber: 2, birthDate: 0 }), 30), null, 'an id number outweighs a birthday');
    assert.equal(autoMergeRefusal(levels({ given: 3, surname: 3, phone: 2, birthDate: 0 }), 30), null, 'a wrong birthday with the same name and phone');
  });
});

describe('weighing evidence', () => {
  // Strangers in a handful of cities; a tenth of them duplicated with the same phone.
  const cities = [['上海', '上海'], ['北京', '北京'], ['广州', '广东'], ['深圳', '广东']] as const;
  const people: PersonRecord[] = [];
  for (let i = 0; i < 600; i++) {
    const [city, region] = i % 10 < 7 ? cities[0] : cities[1 + (i % 3)];
    const p = { name: `${'王李张刘陈'[i % 5]}${'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚'[Math.floor(i / 5) % 20]}${'一二三四五六七八九十'[Math.floor(i / 100) % 10]}`, phone: `139${String(10_000_000 + i * 7919).slice(-8)}`, city, region };
    people.push({ id: people.length + 1, ...p });
    if (i % 10 === 0) people.push({ id: people.length + 1, ...p });
  }
  const result = linkRecords(people, { today });
  const byId = new Map(result.records.map((r) => [r.id, r]));
  const place = (x: number, y: number) => result.scorer.evidence(compareRecords(byId.get(x)!, byId.get(y)!), byId.get(x)!, byId.get(y)!).find((e) => e.field === 'place')!;
  it('counts agreeing on a common city less than on a rare one, and city with province once', () => {
    // Records 1.. are in 上海 (70%); find a 上海 pair and a 深圳 pair of strangers.
    const inCity = (c: string) => result.records.filter((r) => r.values.city === c).map((r) => r.id);
    const [sh1, sh2] = inCity('上海');
    const [sz1, sz2] = inCity('深圳');
    const common = place(sh1, sh2);
    const rare = place(sz1, sz2);
    assert.deepEqual(common.parts!.map((p) => p.label), ['exact', 'exact']);
    assert.ok(rare.weight > common.weight + 1, `深圳 ${rare.weight} bits vs 上海 ${common.weight}`);
    // Province adds nothing once the city agrees: 广东 holds two cities, but 深圳+广东 is as rare as 深圳.
    const szShare = inCity('深圳').length / result.records.length;
    assert.ok(rare.weight < Math.log2(1 / szShare) + 1, `city and province counted once: ${rare.weight} bits`);
    assert.ok(common.weight >= 0, 'agreeing is never evidence against');
  });
});
