// Table upkeep without autovacuum: the planner learns how big a table has become once it has grown by a fifth, and
// it is left alone below that; vacuumed pages are marked all-visible; tables holding old rows are frozen before
// transaction ids could wrap around.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { DbUpkeep } from '../src/kernel/upkeep.ts';

for (const engine of ENGINES) {
  describe(`database upkeep (${engine})`, () => {
    let t: TestPlatform;
    before(async () => {
      t = await startPlatform(engine, { runImports: false });
    });
    after(async () => t?.close());

    const addEvents = (from: number, n: number) =>
      withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query(
        `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
         SELECT $1, 'upkeep-' || g, 1 + g % 500, 'track', 'Product Viewed', jsonb_build_object('sku', g % 97), now() FROM generate_series($2::int, $3::int) g`,
        [t.ws.id, from, from + n - 1]));
    /** What the planner believes one workspace's events number. */
    const estimate = async () => {
      const { rows } = await t.platform.ctx.db.query<{ 'QUERY PLAN': any }>(`EXPLAIN (FORMAT JSON) SELECT * FROM events WHERE workspace_id = '${t.ws.id}'`);
      const plan = rows[0]['QUERY PLAN'];
      return (typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan['Plan Rows'] as number;
    };

    it('analyses a table that grew, so the planner knows its size; leaves it alone until it grows by a fifth again', async () => {
      if (engine === 'pglite') assert.equal(await t.platform.upkeep.autovacuumRuns(), false, 'PGlite runs no autovacuum');
      await addEvents(1, 20_000);
      assert.ok((await estimate()) < 2_000, `before: the planner guesses ${await estimate()} rows for 20,000`);

      assert.ok((await t.platform.upkeep.runOnce({ evenWithAutovacuum: true })).includes('events'));
      const known = await estimate();
      assert.ok(known > 18_000 && known < 22_000, `after ANALYZE the planner expects ${known} rows`);

      assert.ok(!(await t.platform.upkeep.runOnce({ evenWithAutovacuum: true })).includes('events'), 'nothing changed: not analysed again');
      await addEvents(20_001, 1_000);
      assert.ok(!(await t.platform.upkeep.runOnce({ evenWithAutovacuum: true })).includes('events'), '5% more: below the threshold');
      await addEvents(21_001, 10_000);
      assert.ok((await t.platform.upkeep.runOnce({ evenWithAutovacuum: true })).includes('events'), 'half as much again: analysed');
      const grown = await estimate();
      assert.ok(grown > 28_000 && grown < 34_000, `after the second ANALYZE the planner expects ${grown} rows`);
      // Only VACUUM sets the visibility map; ANALYZE alone leaves relallvisible at 0.
      const { rows } = await t.platform.ctx.db.query<{ visible: number; pages: number }>(
        `SELECT relallvisible AS visible, relpages AS pages FROM pg_class WHERE relname = 'events' AND relnamespace = current_schema()::regnamespace`);
      assert.ok(rows[0].visible > 0, `vacuumed: ${rows[0].visible} of ${rows[0].pages} pages all-visible`);
    });

    it('freezes a table whose oldest unfrozen row is past the age limit, however little it grew', async () => {
      const age = async () => (await t.platform.ctx.db.query<{ age: number }>(
        `SELECT age(relfrozenxid) AS age FROM pg_class WHERE relname = 'workspaces' AND relnamespace = current_schema()::regnamespace`)).rows[0].age;
      for (let i = 0; i < 30; i++) await addEvents(100_000 + i, 1);
      const before = await age();
      assert.ok(before >= 30, `workspaces' rows are ${before} transactions old`);
      const strict = new DbUpkeep(t.platform.ctx, 10_000, 20);
      assert.ok((await strict.runOnce({ evenWithAutovacuum: true })).includes('workspaces'), 'old enough: frozen');
      assert.ok((await age()) < before, `frozen: ${await age()} transactions old, was ${before}`);
      assert.ok(!(await t.platform.upkeep.runOnce({ evenWithAutovacuum: true })).includes('workspaces'), 'at the real limit it is young: left alone');
    });
  });
}
