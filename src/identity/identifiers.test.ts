import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeIdentifier } from './identifiers.ts';

describe('identifier normalization', () => {
  const cases: [Parameters<typeof normalizeIdentifier>[0], unknown, string | null][] = [
    ['phone', '+86 139-1234-5678', '13912345678'],
    ['phone', '008613912345678', '13912345678'],
    ['phone', '8613912345678', '13912345678'],
    ['phone', '+14155550100', '+14155550100'],
    ['phone', '13800000000', null], // store walk-in placeholder
    ['phone', '13111111111', null],
    ['phone', '12345', null],
    ['email', ' Alice@Example.COM ', 'alice@example.com'],
    ['email', 'not-an-email', null],
    ['user_id', '17850.0', '17850'],
    ['user_id', 17850, '17850'],
    ['member_no', ' M-001 ', 'M-001'],
    ['user_id', 'null', null],
    ['user_id', 'undefined', null],
    ['anonymous_id', 'anonymous', null],
    ['anonymous_id', '0', null],
    ['anonymous_id', '', null],
    ['anonymous_id', '00000000-0000-0000-0000-000000000000', null],
    ['user_id', '0000000', null],
    ['user_id', 'xxxxxx', null],
    ['member_no', '1111', '1111'],
    ['user_id', { id: 1 }, null],
  ];
  for (const [type, raw, expected] of cases) {
    it(`${type} ${JSON.stringify(raw)} → ${expected ?? 'rejected'}`, () => {
      const n = normalizeIdentifier(type, raw);
      if (expected === null) assert.equal(n.ok, false);
      else assert.deepEqual(n, { ok: true, value: expected });
    });
  }
});
