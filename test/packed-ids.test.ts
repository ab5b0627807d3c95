// Id lists packed by the database and unpacked in Node: the same ids on both engines, including ids past 2^32,
// empty groups and the NULLs an outer join brings.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDb, type Db } from '../src/kernel/db.ts';
import { packedIds, unpackIds } from '../src/kernel/packed-ids.ts';
import { ENGINES } from './helpers/platform.ts';

for (const engine of ENGINES) {
  describe(`packed id lists (${engine})`, () => {
    let db: Db;
    const schema = `t_${crypto.randomBytes(5).toString('hex')}`;
    before(async () => {
      db = engine === 'pglite' ? await openDb({ memory: true }) : await openDb({ databaseUrl: process.env.TEST_DATABASE_URL, schema, poolSize: 1 });
    });
    after(async () => {
      if (engine === 'postgres') await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await db?.close();
    });

    it('reads back every id of each group exactly', async () => {
      const big = [1, 255, 256, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 53 - 1];
      const { rows } = await db.query<{ g: string; ids: Uint8Array }>(
        `SELECT g, ${packedIds('id')} AS ids
           FROM (SELECT 'big' AS g, unnest($1::bigint[]) AS id
                 UNION ALL SELECT 'many', x FROM generate_series(1::bigint, 100000) x
                 UNION ALL SELECT 'none', NULL::bigint) s
          GROUP BY g ORDER BY g`, [big]);
      const byGroup = new Map(rows.map((r) => [r.g, unpackIds(r.ids)]));
      assert.deepEqual(byGroup.get('big')!.sort((a, b) => a - b), big);
      const many = byGroup.get('many')!;
      assert.equal(many.length, 100_000);
      assert.equal(many.reduce((s, x) => s + x, 0), (100_000 * 100_001) / 2);
      assert.deepEqual(byGroup.get('none'), [], 'a group of only NULLs is empty');
    });
  });
}
