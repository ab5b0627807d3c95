import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDateTime, steadyOffsetMs } from './time.ts';
import { csvCell, csvLine } from './csv.ts';

describe('date-times from files', () => {
  const cases: [unknown, string, string | null][] = [
    ['2026-06-18 20:15:00', 'Asia/Shanghai', '2026-06-18T12:15:00.000Z'],
    ['2026/6/18 8:05', 'Asia/Shanghai', '2026-06-18T00:05:00.000Z'],
    ['2011-07-01 09:00:00', 'Europe/London', '2011-07-01T08:00:00.000Z'], // BST
    ['2011-01-10 09:00:00', 'Europe/London', '2011-01-10T09:00:00.000Z'],
    ['2026-03-08 02:30:00', 'America/New_York', '2026-03-08T07:30:00.000Z'], // in the DST gap: moved forward
    ['2026-06-18T20:15:00+08:00', 'UTC', '2026-06-18T12:15:00.000Z'],
    ['1781784900', 'UTC', '2026-06-18T12:15:00.000Z'],
    [new Date(Date.UTC(2026, 5, 18, 20, 15)), 'Asia/Shanghai', '2026-06-18T12:15:00.000Z'],
    ['2026-13-01', 'UTC', null],
    ['yesterday', 'UTC', null],
  ];
  for (const [raw, tz, expected] of cases) {
    it(`${String(raw)} in ${tz}`, () => assert.equal(parseDateTime(raw, tz)?.toISOString() ?? null, expected));
  }
});

describe('steady UTC offsets', () => {
  const at = (s: string) => new Date(s);
  it('finds the one offset of a zone without daylight saving', () => assert.equal(steadyOffsetMs('Asia/Shanghai', at('2024-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z')), 8 * 3600_000));
  it('finds the summer offset between two changes', () => assert.equal(steadyOffsetMs('America/New_York', at('2026-04-01T00:00:00Z'), at('2026-10-01T00:00:00Z')), -4 * 3600_000));
  it('refuses a span with a change inside', () => assert.equal(steadyOffsetMs('America/New_York', at('2026-03-01T00:00:00Z'), at('2026-04-01T00:00:00Z')), null));
  it('refuses a span with two changes that cancel out', () => assert.equal(steadyOffsetMs('Europe/London', at('2026-01-01T00:00:00Z'), at('2026-12-31T00:00:00Z')), null));
});

describe('spreadsheet-safe CSV', () => {
  it('neutralises formulas and quotes what needs quoting', () => {
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('+86 139'), "'+86 139");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('-2'), "'-2");
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvLine([1, null, 'x']), '1,,x\r\n');
  });
});
