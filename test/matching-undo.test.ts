// Undoing a whole batch matching run: the run's merges listed, one request to take them all back as a background
// job with progress, audited once for the run and once per merge, refused twice; and a process that dies in the
// middle leaves a job the next process finishes, with every merge undone exactly once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform, waitFor } from './helpers/platform.ts';
import { FEBRL_DS1, febrlMemberCsv, importCustomers } from './helpers/febrl.ts';
import { readFebrl } from '../src/matching/febrl.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import type { Db, Queryable } from '../src/kernel/db.ts';
import { undoOnce } from '../src/matching/undo.ts';

async function runBatch(t: TestPlatform) {
  const run = await t.api('POST', '/v1/identity/matching/runs');
  assert.equal(run.status, 202, JSON.stringify(run.body));
  return waitFor(`matching run ${run.body.id}`, async () => {
    const r = (await t.api('GET', `/v1/identity/matching/runs/${run.body.id}`)).body;
    return r.status === 'done' || r.status === 'failed' ? r : null;
  }, 120_000);
}

const liveProfiles = async (t: TestPlatform) => (await withTenant(t.platform.ctx.db, t.ws.id, (tx) =>
  tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND pii <> '{}'`, [t.ws.id]))).rows[0].n;

const auditCount = async (t: TestPlatform, action: string, runId?: number) => (await withTenant(t.platform.ctx.db, t.ws.id, (tx) =>
  tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE workspace_id = $1 AND action = $2 AND ($3::bigint IS NULL OR (details->>'runId')::bigint = $3)`,
    [t.ws.id, action, runId ?? null]))).rows[0].n;

/** A database that stops answering after `transactions` transactions, the last one rolled back: a process dying. */
function dyingDb(db: Db, transactions: number): Db {
  let left = transactions;
  let dead = false;
  const check = () => {
    if (dead) throw new Error('process died');
  };
  return {
    kind: db.kind,
    query: ((...args: Parameters<Queryable['query']>) => (check(), db.query(...args))) as Queryable['query'],
    transaction: (fn, setup) => {
      check();
      return db.transaction(async (tx) => {
        const out = await fn(tx);
        if (--left <= 0) {
          dead = true;
          throw new Error('process died before commit');
        }
        return out;
      }, setup);
    },
    exec: (sql) => (check(), db.exec(sql)),
    close: () => db.close(),
  };
}

for (const engine of ENGINES) {
  describe(`undoing a matching run (${engine})`, () => {
    let t: TestPlatform;
    let runId: number;
    let merges: number;
    before(async () => {
      t = await startPlatform(engine);
      const imp = await importCustomers(t, 'members.csv', febrlMemberCsv(readFebrl(FEBRL_DS1)));
      assert.equal(imp.rowsOk, 1000);
      await t.platform.matcher.idle();
      const run = await runBatch(t);
      assert.equal(run.status, 'done', run.error);
      runId = run.id;
      merges = run.stats.merges;
      assert.ok(merges > 400, `merges ${merges}`);
    });
    after(async () => t?.close());

    it('lists the runs and one run\'s merges with their evidence', async () => {
      const runs = await t.api('GET', '/v1/identity/matching/runs');
      assert.equal(runs.status, 200, JSON.stringify(runs.body));
      const run = runs.body.runs.find((r: { id: number }) => r.id === Number(runId));
      assert.deepEqual([run.merges, run.activeMerges, run.undo], [merges, merges, null]);
      const page = await t.api('GET', `/v1/identity/matching/runs/${runId}/merges?limit=5&offset=5`);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.equal(page.body.total, merges);
      assert.equal(page.body.items.length, 5);
      const item = page.body.items[0];
      assert.ok(item.winner.name && item.loser.name && item.winner.id < item.loser.id);
      assert.ok(item.probability >= 0.99 && item.fields.some((f: { field: string }) => f.field === 'surname'));
      assert.equal(item.undoneAt, null);
      assert.equal((await t.api('GET', '/v1/identity/matching/runs/99999/merges')).status, 404);
    });

    it('undoes a whole run in the background, audited once for the run and once per merge', async () => {
      const before = await liveProfiles(t);
      const bad = await t.api('POST', `/v1/identity/matching/runs/${runId}/undo`, { reason: '  ' });
      assert.equal(bad.status, 400);
      assert.match(JSON.stringify(bad.body), /reason/);
      await t.platform.matchRunner.stop();
      const queued = await t.api('POST', `/v1/identity/matching/runs/${runId}/undo`, { reason: 'issue #21: the run merged strangers' });
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      assert.deepEqual([queued.body.status, queued.body.total, queued.body.done], ['queued', merges, 0]);
      const busy = await t.api('POST', '/v1/identity/matching/runs');
      assert.equal(busy.status, 409, 'no new run while a run is being undone');
      assert.equal(busy.body.error.code, 'undo_in_progress');
      t.platform.matchRunner.start();
      const done = await waitFor('undo', async () => {
        const u = (await t.api('GET', `/v1/identity/matching/runs/${runId}/undo`)).body;
        return u.status === 'done' || u.status === 'failed' ? u : null;
      }, 120_000);
      assert.equal(done.status, 'done', done.error);
      assert.equal(done.done, merges);
      assert.equal(await liveProfiles(t), before + merges, 'every merged-away profile is back');
      assert.equal(await auditCount(t, 'identity.matching.run.undo'), 1);
      assert.equal(await auditCount(t, 'customer.unmerge', runId), merges);
      const list = (await t.api('GET', `/v1/identity/matching/runs/${runId}/merges?limit=200`)).body;
      assert.ok(list.items.every((m: { undoneAt: string | null; undoReason: string }) => m.undoneAt && m.undoReason === 'issue #21: the run merged strangers'));
      const again = await t.api('POST', `/v1/identity/matching/runs/${runId}/undo`, { reason: 'twice' });
      assert.equal(again.status, 409);
      // Not kept apart (the default): the next run decides again, and merges the same duplicates.
      const rerun = await runBatch(t);
      assert.equal(rerun.status, 'done', rerun.error);
      assert.equal(rerun.stats.merges, merges);
    });

    it('finishes an undo that a dying process left half done, undoing each merge once', async () => {
      const { rows } = await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<{ id: string }>(`SELECT id FROM match_runs WHERE workspace_id = $1 ORDER BY id DESC LIMIT 1`, [t.ws.id]));
      const last = Number(rows[0].id);
      await t.platform.matchRunner.stop();
      const queued = await t.api('POST', `/v1/identity/matching/runs/${last}/undo`, { reason: 'crash test', keepApart: true });
      assert.equal(queued.status, 202, JSON.stringify(queued.body));
      // A process claims the job, reads the merges to undo (one transaction), commits four unmerges and dies
      // during the fifth.
      const ctx = t.platform.ctx;
      await assert.rejects(undoOnce({ ...ctx, db: dyingDb(ctx.db, 6) }, 300), /process died/);
      const half = (await t.api('GET', `/v1/identity/matching/runs/${last}/undo`)).body;
      assert.deepEqual([half.status, half.done], ['running', 4]);
      assert.equal(await auditCount(t, 'customer.unmerge', last), 4);
      // Once its lease has run out, the next process carries on.
      await new Promise((r) => setTimeout(r, 400));
      t.platform.matchRunner.start();
      const done = await waitFor('resumed undo', async () => {
        const u = (await t.api('GET', `/v1/identity/matching/runs/${last}/undo`)).body;
        return u.status === 'done' ? u : null;
      }, 120_000);
      assert.equal(done.done, merges);
      assert.equal(await auditCount(t, 'customer.unmerge', last), merges, 'each merge unmerged (and audited) once');
      const blocks = await withTenant(ctx.db, t.ws.id, (tx) => tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM merge_blocks WHERE workspace_id = $1`, [t.ws.id]));
      assert.equal(blocks.rows[0].n, merges, 'kept apart when asked');
    });
  });
}
