// Probabilistic matching on realistic Chinese customer records (test/helpers/chinese-people.ts): duplicates spoilt
// by homophones, wrong characters, traditional characters, swapped or pinyin names, phone typos, new phones,
// day/month swaps and missing fields, among hard negatives (families at one address, shared surnames and cities,
// 张伟 and 王芳). The model is fitted by EM without labels at the default thresholds; labels only score the result.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chineseBase, measure } from './helpers/chinese-people.ts';
import { DEFAULT_THRESHOLDS, linkRecords } from '../src/matching/link.ts';
import type { PersonRecord } from '../src/matching/record.ts';

const today = new Date('2026-11-22T00:00:00Z');

describe('matching Chinese customer records', () => {
  for (const size of [1000, 5000]) {
    it(`${size.toLocaleString()} records: automatic merges are precise (≥ 0.995), most duplicates are found or queued`, (t) => {
      const base = chineseBase(size);
      const result = linkRecords(base.records, { today, thresholds: DEFAULT_THRESHOLDS });
      const q = measure(base, result.clusters, result.review);
      t.diagnostic(`records ${q.records}, true pairs ${q.truePairs}: auto precision ${q.auto.precision.toFixed(4)}, recall ${q.auto.recall.toFixed(4)}; ` +
        `review ${q.review.pairs} pairs, precision ${q.review.precision.toFixed(3)}; recall with review ${q.recallWithReview.toFixed(3)}`);
      assert.ok(q.truePairs > size / 4, `the base has duplicates to find (${q.truePairs})`);
      assert.ok(base.families > size / 30, `and families to keep apart (${base.families})`);
      const byId = new Map(base.records.map((r) => [r.id, r]));
      assert.ok(q.auto.precision >= 0.995, `auto-merge precision ${q.auto.precision}; wrong: ${JSON.stringify(q.wrong.slice(0, 3).map((w) => [byId.get(w.a), byId.get(w.b)]))}`);
      assert.ok(q.auto.recall >= 0.7, `auto-merge recall ${q.auto.recall}`);
      assert.ok(q.recallWithReview >= 0.93, `recall counting the review queue ${q.recallWithReview}`);
      assert.ok(result.model.converged, 'EM converged');
    });
  }

  it('keeps the issue\'s pair and a household apart, and merges a homophone with a phone typo', () => {
    const base = chineseBase(1000, 5);
    const next = () => base.records.length + 1;
    const add = (r: Omit<PersonRecord, 'id'>) => {
      const id = next();
      base.records.push({ id, ...r });
      return id;
    };
    const sh = { city: '上海', region: '上海' };
    // 许雨 / 徐怡 (issue #21): same city, different phones, birthdays ten years apart.
    const xu1 = add({ name: '许雨', phone: '13812345601', birthDate: '1985-03-02', ...sh });
    const xu2 = add({ name: '徐怡', phone: '13998765402', birthDate: '1995-07-19', ...sh });
    // Sisters at one address with a generation character and the family phone, one birthday unknown.
    const home = '浦东新区世纪大道188号阳光花园3栋1202室';
    const s1 = add({ name: '王静怡', phone: '13700001111', birthDate: '1990-05-04', address: home, ...sh });
    const s2 = add({ name: '王静雯', phone: '13700001111', address: home, ...sh });
    // Two 张伟 in one city with different phones and birthdays.
    const z1 = add({ name: '张伟', phone: '13611112222', birthDate: '1980-01-15', ...sh });
    const z2 = add({ name: '张伟', phone: '13633334444', birthDate: '1988-09-30', ...sh });
    // One person: 陈婧 typed as 陈静 (same pinyin), one phone digit wrong, in traditional characters.
    const c1 = add({ name: '陈婧', phone: '15912345678', birthDate: '1992-11-08', ...sh });
    const c2 = add({ name: '陳靜', phone: '15912345679', birthDate: '1992-11-08', ...sh });

    const result = linkRecords(base.records, { today });
    const together = (a: number, b: number) => result.clusters.some((c) => c.includes(a) && c.includes(b));
    assert.equal(together(xu1, xu2), false, '许雨 / 徐怡');
    assert.equal(together(s1, s2), false, '王静怡 / 王静雯');
    assert.equal(together(z1, z2), false, '张伟 / 张伟');
    assert.equal(together(c1, c2), true, '陈婧 / 陳靜');
    // The sisters look alike enough to ask a person, with the rule that stopped the merge as the reason.
    const sisters = result.review.find((p) => new Set([p.a, p.b]).has(s1) && new Set([p.a, p.b]).has(s2));
    assert.ok(sisters, 'the sisters are queued for review');
    assert.equal(sisters.reason, sisters.probability >= DEFAULT_THRESHOLDS.auto ? 'no_identifier' : 'grey_zone', JSON.stringify(sisters));
    // The merge explains itself: place fields as one row, the name parts and phone as theirs; the rows add up.
    const pair = result.clusterPairs.flat().find((p) => new Set([p.a, p.b]).has(c1) && new Set([p.a, p.b]).has(c2))!;
    const fields = pair.fields!;
    assert.deepEqual(fields.map((f) => f.field), ['given', 'surname', 'birthDate', 'phone', 'place']);
    assert.deepEqual(fields.find((f) => f.field === 'place')!.parts!.map((p) => p.field), ['city', 'region']);
    assert.equal(fields.find((f) => f.field === 'phone')!.label, 'one typo');
    const sum = fields.reduce((s, f) => s + f.weight, 0);
    assert.ok(Math.abs(sum - pair.weight) < 0.05, `evidence ${sum} adds up to the weight ${pair.weight}`);
  });
});
