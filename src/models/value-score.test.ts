import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { valueScores } from './value-score.ts';

describe('value score', () => {
  it('ranks 0–100, rises with CLV when the rest is equal, and explains itself', () => {
    const rows = Array.from({ length: 11 }, (_, i) => ({ id: i, clv: i * 100, engagement: 5, recencyDays: 10 }));
    const scores = valueScores(rows);
    assert.ok(scores.every((s) => s.score >= 0 && s.score <= 100));
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i].score > scores[i - 1].score);
    assert.equal(scores[10].factors[0].factor, 'clv', 'the top customer is lifted most by CLV');
    assert.ok(scores[10].factors[0].vsAverage > 0);
    assert.ok(scores[0].factors[0].vsAverage < 0, 'the bottom customer is held back by CLV');
  });
});
