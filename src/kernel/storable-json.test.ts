import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, storableCopy, unstorable } from './storable-json.ts';

const nested = (levels: number) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe('storable JSON', () => {
  it('accepts ordinary text, emoji (a surrogate pair) and Chinese', () => {
    assert.equal(unstorable({ name: '王小明', note: 'ok 😀', tags: ['a', 1, null, true] }, 'body'), null);
  });

  it('names the first value or key PostgreSQL cannot store', () => {
    assert.equal(unstorable({ a: { b: ['x', 'y\u0000'] } }, 'body')?.field, 'body.a.b.1');
    assert.equal(unstorable({ a: 'half \ud83d' }, 'body')?.field, 'body.a');
    assert.equal(unstorable({ a: '\ude00 low alone' }, '')?.field, 'a');
    assert.match(unstorable({ ['k\u0000']: 1 }, 'body')!.message, /field name/);
  });

  it('refuses nesting deeper than the limit, and walks no further', () => {
    assert.equal(unstorable(nested(MAX_DEPTH), 'body'), null);
    assert.match(unstorable(nested(MAX_DEPTH + 1), 'body')!.message, /deeper than 64/);
    // A body as deep as JSON.parse allows would overflow a naive recursive walk.
    assert.ok(unstorable(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 'body'));
  });

  it('leaves binary bodies alone and makes a storable copy for reports', () => {
    assert.equal(unstorable(Buffer.from([0, 0xd8, 0]), 'body'), null);
    assert.equal(storableCopy('a\u0000b\ud800'), 'a\uFFFDb\uFFFD');
    assert.equal(storableCopy('plain'), 'plain');
  });
});
