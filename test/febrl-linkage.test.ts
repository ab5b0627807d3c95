// Probabilistic matching on the Febrl evaluation files: the model is fitted by EM without labels and judged at the
// documented default thresholds; labels are used only to score the result.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFebrl } from '../src/matching/febrl.ts';
import { DEFAULT_THRESHOLDS, linkRecords } from '../src/matching/link.ts';
import { evaluateLinkage } from '../src/matching/evaluate.ts';

const DATA = path.resolve('../shared/data/identity');
const today = new Date('2026-11-22T00:00:00Z');

describe('Febrl record linkage', () => {
  for (const [file, truePairs] of [['febrl_dataset1.csv', 500], ['febrl_dataset2.csv', 1934]] as const) {
    it(`${file}: precision ≥ 0.99 and recall ≥ 0.98 at the default thresholds`, () => {
      const data = readFebrl(path.join(DATA, file));
      const result = linkRecords(data.records, { today, thresholds: DEFAULT_THRESHOLDS });
      const q = evaluateLinkage(data.truth, result.clusters);
      assert.equal(q.truePairs, truePairs);
      assert.ok(q.precision >= 0.99, `pairwise precision ${q.precision}`);
      assert.ok(q.recall >= 0.98, `pairwise recall ${q.recall}`);
      assert.ok(q.bcubed.f1 >= 0.99, `B-cubed F1 ${q.bcubed.f1}`);
      assert.ok(result.model.converged, 'EM converged');
      // The model's own estimate of its precision at the auto-merge threshold agrees with the truth.
      const atAuto = result.expected.find((e) => e.threshold === DEFAULT_THRESHOLDS.auto)!;
      assert.ok(Math.abs(atAuto.precision - q.precision) < 0.02, `expected precision ${atAuto.precision} vs measured ${q.precision}`);
    });
  }
});
