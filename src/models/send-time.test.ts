import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bestHour, HOURS_OF_WEEK } from './send-time.ts';

const at = (weekday: number, hour: number) => weekday * 24 + hour;

describe('best send time', () => {
  const prior = new Array(HOURS_OF_WEEK).fill(1);
  prior[at(3, 20)] = 50; // the base engages most on Wednesday 20:00

  it('follows a customer with a clear habit', () => {
    const own = new Array(HOURS_OF_WEEK).fill(0);
    own[at(2, 8)] = 40; // Tuesday 08:00
    const r = bestHour(own, prior);
    assert.equal(r.hourOfWeek, at(2, 8));
    assert.equal(r.label, '周二 8:00');
    assert.ok(r.shrinkage < 0.5);
  });

  it('leans on the base pattern when the customer has little history', () => {
    const own = new Array(HOURS_OF_WEEK).fill(0);
    own[at(2, 8)] = 1;
    assert.equal(bestHour(own, prior).hourOfWeek, at(3, 20));
    assert.equal(bestHour(new Array(HOURS_OF_WEEK).fill(0), prior).hourOfWeek, at(3, 20), 'no history: the base best hour');
  });
});
