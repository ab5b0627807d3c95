// Batch matching over a workspace's whole base, as a queued run with progress: load and decrypt profiles, link them
// in a worker thread (block, compare, EM, cluster), then write blocking keys, merges and review items. A run that
// dies part-way is resumed from the start by the next claim: merged profiles are no longer live and review pairs
// are unique, so a second pass does not repeat the first pass's effects.
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import { AppError } from '../kernel/errors.ts';
import { describePair, mergePair, queueReviews } from './decide.ts';
import { markSeen, valueHash, writeKeys } from './keys.ts';
import type { LinkJob, LinkWorkerMessage } from './link-worker.ts';
import { loadMergedAway, loadProfilePage, toPersonRecord } from './profiles.ts';
import type { PersonRecord } from './record.ts';
import { loadSettings, saveFit } from './settings.ts';
import { undoInProgress, undoOnce } from './undo.ts';
import { replaceValueCounts } from './value-counts.ts';

const PAGE = 5000;

export async function queueRun(ctx: AppContext, workspaceId: string, createdBy: string) {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const active = await tx.query<{ id: string }>(`SELECT id FROM match_runs WHERE workspace_id = $1 AND status IN ('queued','running') LIMIT 1`, [workspaceId]);
    if (active.rows[0]) throw new AppError(409, 'run_in_progress', `matching run ${active.rows[0].id} is still in progress; wait for it to finish`);
    const undoing = await undoInProgress(tx);
    if (undoing) throw new AppError(409, 'undo_in_progress', `matching run ${undoing} is being undone; start a new run when that is finished`);
    const { rows } = await tx.query(`INSERT INTO match_runs (workspace_id, created_by) VALUES ($1, $2) RETURNING *`, [workspaceId, createdBy]);
    return rows[0];
  });
}

export class MatchRunner extends PollingWorker {
  constructor(private readonly ctx: AppContext, private readonly opts = { leaseMs: 10 * 60_000, pollMs: 1000 }) {
    super('matching runs', ctx.log, { pollMs: opts.pollMs });
  }

  /** One piece of matching work: a queued run, else a queued undo of one. */
  async runOnce(): Promise<boolean> {
    return (await this.runNext()) || (await undoOnce(this.ctx, this.opts.leaseMs));
  }

  private async runNext(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ workspace_id: string; id: string }>(
      `UPDATE match_runs SET status = 'running', started_at = COALESCE(started_at, now()), lease_until = now() + $1 * interval '1 millisecond'
        WHERE (workspace_id, id) = (SELECT workspace_id, id FROM match_runs
                                     WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING workspace_id, id`,
      [this.opts.leaseMs],
    );
    const run = rows[0];
    if (!run) return false;
    const id = Number(run.id);
    try {
      const stats = await this.run(run.workspace_id, id);
      await this.update(run.workspace_id, id, { status: 'done', stage: 'done', stats });
    } catch (err) {
      this.ctx.log.warn({ err: String((err as Error)?.message ?? err), runId: id }, 'matching run failed');
      await this.update(run.workspace_id, id, { status: 'failed', error: String((err as Error)?.message ?? err) });
    }
    return true;
  }

  private async update(ws: string, id: number, p: { status?: string; stage?: string; done?: number; total?: number; stats?: object; error?: string }) {
    await this.ctx.db.query(
      `UPDATE match_runs SET status = COALESCE($3, status), stage = COALESCE($4, stage), done = COALESCE($5, done), total = COALESCE($6, total),
              stats = COALESCE($7, stats), error = COALESCE($8, error),
              finished_at = CASE WHEN $3 IN ('done','failed') THEN now() ELSE finished_at END,
              lease_until = CASE WHEN $3 IN ('done','failed') THEN NULL ELSE now() + $9 * interval '1 millisecond' END
        WHERE workspace_id = $1 AND id = $2`,
      [ws, id, p.status ?? null, p.stage ?? null, p.done ?? null, p.total ?? null, p.stats ? JSON.stringify(p.stats) : null, p.error ?? null, this.opts.leaseMs],
    );
  }

  /** One run, start to finish; returns its statistics. */
  async run(ws: string, runId: number) {
    const started = Date.now();
    const { ctx } = this;
    // 1. Load live profiles page by page, noting which ones changed since their keys were written.
    const { rows: count } = await withTenant(ctx.db, ws, (tx) => tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND pii <> '{}'`, [ws]));
    const total = count[0].n;
    await this.update(ws, runId, { stage: 'load', done: 0, total });
    const records: PersonRecord[] = [];
    const reindex: number[] = [];
    const mergedAway = (await withTenant(ctx.db, ws, loadMergedAway)).map((row) => toPersonRecord(ctx.pii, row));
    const digests = new Map<number, string>();
    for (let after = 0; ;) {
      const page = await withTenant(ctx.db, ws, (tx) => loadProfilePage(tx, after, PAGE));
      if (page.length === 0) break;
      for (const row of page) {
        records.push(toPersonRecord(ctx.pii, row));
        digests.set(Number(row.id), row.digest);
        if (row.digest !== row.seen) reindex.push(Number(row.id));
      }
      after = Number(page[page.length - 1].id);
      await this.update(ws, runId, { done: records.length });
    }

    // 2. Link in a worker thread.
    const settings = await withTenant(ctx.db, ws, (tx) => loadSettings(tx));
    const decisions = await withTenant(ctx.db, ws, async (tx) => {
      const { rows } = await tx.query<{ a: string; b: string }>(
        `SELECT x.canonical_id AS a, y.canonical_id AS b FROM merge_blocks mb
           JOIN customers x ON x.workspace_id = $1 AND x.id = mb.customer_a
           JOIN customers y ON y.workspace_id = $1 AND y.id = mb.customer_b WHERE mb.workspace_id = $1`,
        [ws],
      );
      return rows.map((r) => ({ a: Number(r.a), b: Number(r.b), isMatch: false }));
    });
    const result = await this.link(ws, runId, { records, reindex, options: { thresholds: settings.thresholds, decisions, alsoCount: mergedAway, today: ctx.clock.now().toISOString() } });

    // 3. Keys for changed profiles, so real-time lookups find them.
    await this.update(ws, runId, { stage: 'index', done: 0, total: result.keys.length });
    for (let i = 0; i < result.keys.length; i += PAGE) {
      const chunk = result.keys.slice(i, i + PAGE);
      await withTenant(ctx.db, ws, async (tx) => {
        await writeKeys(tx, ctx.pii, chunk);
        await markSeen(tx, chunk.map((k) => k.id), chunk.map((k) => digests.get(k.id) ?? ''));
      });
      await this.update(ws, runId, { done: Math.min(i + PAGE, result.keys.length) });
    }

    // 4. Merges, one cluster per transaction: the oldest profile survives and absorbs the others. Each merge
    // records the evidence of the pair actually merged (survivor and the other record), as the model scored it.
    await this.update(ws, runId, { stage: 'merge', done: 0, total: result.clusters.length });
    const commonHashes = result.common.map((c) => valueHash(ctx.pii, c.field, c.value!));
    let merges = 0;
    for (let k = 0; k < result.clusterPairs.length; k++) {
      const changed = await withTenant(ctx.db, ws, async (tx) => {
        const touched: number[] = [];
        for (const pair of result.clusterPairs[k]) {
          const merged = await mergePair(tx, describePair(pair, 'batch', runId), pair.a, pair.b, 'matcher');
          if (merged) {
            await tx.query(`INSERT INTO match_run_merges (workspace_id, run_id, merge_id) VALUES ($1, $2, $3)`, [ws, runId, merged.mergeId]);
            merges++;
            touched.push(merged.winner, merged.loser);
          }
        }
        return touched;
      });
      ctx.changes.customersChanged(ws, changed);
      if (k % 50 === 0) await this.update(ws, runId, { done: k + 1 });
    }

    // 5. The grey zone goes to people.
    await this.update(ws, runId, { stage: 'review', done: 0, total: result.review.length });
    let queued = 0;
    for (let i = 0; i < result.review.length; i += 1000) {
      const chunk = result.review.slice(i, i + 1000);
      queued += await withTenant(ctx.db, ws, (tx) => queueReviews(tx, chunk.map((p) => ({
        pair: p, evidence: describePair(p, 'batch', runId), reason: p.reason, source: 'batch', runId,
      }))));
    }

    await withTenant(ctx.db, ws, async (tx) => {
      await replaceValueCounts(tx, ctx.pii, result.valueCounts);
      await saveFit(tx, {
        model: result.model,
        expected: result.expected,
        commonValues: result.common.map(({ value: _v, ...shown }) => shown),
        commonHashes,
        at: ctx.clock.now(),
      });
    });
    return {
      profiles: total,
      skipped: result.skipped.length,
      candidatePairs: result.candidatePairs,
      droppedBlocks: result.droppedBlocks.length,
      clusters: result.clusters.length,
      merges,
      reviewsQueued: queued,
      commonValues: result.common.length,
      emIterations: result.model.iterations,
      lambda: result.model.lambda,
      seconds: (Date.now() - started) / 1000,
    };
  }

  private link(ws: string, runId: number, job: LinkJob) {
    type Result = Extract<LinkWorkerMessage, { type: 'result' }>['result'];
    return new Promise<Result>((resolve, reject) => {
      const worker = new Worker(new URL('./link-worker.mjs', import.meta.url));
      let settled = false;
      worker.on('message', (msg: LinkWorkerMessage) => {
        if (msg.type === 'progress') void this.update(ws, runId, { stage: msg.stage, done: msg.done, total: msg.total }).catch(() => {});
        else if (msg.type === 'result') {
          settled = true;
          resolve(msg.result);
          void worker.terminate();
        } else {
          settled = true;
          reject(new Error(msg.message));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        if (!settled) reject(err);
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`matching worker exited with code ${code}`));
      });
      worker.postMessage(job);
    });
  }
}
