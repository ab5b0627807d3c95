// Local day numbers by arithmetic must equal DuckDB's own time-zone conversion, with and without daylight saving.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { withDuck } from './duck.ts';
import { localDayNumber } from './scope.ts';

describe('local day numbers', () => {
  // Instants an hour either side of local midnight and of a daylight-saving change, in zones with and without one.
  const instants = ['2026-03-07T23:30:00Z', '2026-03-08T04:30:00Z', '2026-03-08T05:30:00Z', '2026-03-08T06:30:00Z', '2026-03-08T07:30:00Z',
    '2026-06-18T15:30:00Z', '2026-06-18T16:30:00Z', '2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z'];
  const spans = { whole: { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-11-30T00:00:00Z') }, summer: { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-07-01T00:00:00Z') } };
  for (const tz of ['Asia/Shanghai', 'America/New_York', 'UTC']) {
    for (const [name, span] of Object.entries(spans)) {
      it(`equal the zone's calendar day in ${tz} (${name})`, async () => {
        const rows = await withDuck((d) => d.all(`SELECT ${localDayNumber('t', tz, span)} AS n, timezone('${tz}', t)::DATE - DATE '1970-01-01' AS expected
          FROM (SELECT unnest([${instants.map((i) => `TIMESTAMPTZ '${i}'`).join(', ')}]) AS t) WHERE t >= TIMESTAMPTZ '${span.from.toISOString()}' AND t < TIMESTAMPTZ '${span.to.toISOString()}'`));
        assert.ok(rows.length > 0);
        for (const r of rows) assert.equal(Number(r.n), Number(r.expected));
      });
    }
  }
  it('is arithmetic where the offset holds and a conversion where it does not', () => {
    assert.doesNotMatch(localDayNumber('t', 'Asia/Shanghai', spans.whole), /timezone/);
    assert.match(localDayNumber('t', 'America/New_York', spans.whole), /timezone/);
    assert.doesNotMatch(localDayNumber('t', 'America/New_York', spans.summer), /timezone/);
  });
});
