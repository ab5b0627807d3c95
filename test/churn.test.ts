// Churn warning on a time split of real data (UCI Online Retail): as of 2011-09-10, who does not buy in the next
// 90 days? The warning must do at least as well as warning the same number of customers by recency alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { churnEvaluation } from '../bench/churn.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

describe('churn warning on UCI Online Retail', { skip: !fs.existsSync(UCI) && 'shared data missing' }, () => {
  it('beats or matches a recency-only rule at the same number of warnings', () => {
    const e = churnEvaluation();
    const [warning, recency] = e.rows as { warned: number; precision: number; recall: number }[];
    assert.equal(e.customers, 3370);
    assert.ok(warning.warned > 500, `warned ${warning.warned}`);
    assert.equal(warning.warned, recency.warned);
    assert.ok(warning.precision >= recency.precision, `precision ${warning.precision} vs recency ${recency.precision}`);
    assert.ok(warning.recall >= recency.recall, `recall ${warning.recall} vs recency ${recency.recall}`);
    assert.ok(warning.precision > e.churnRate, 'better than warning at random');
  });
});
