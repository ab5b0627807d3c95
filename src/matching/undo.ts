// Undoing a whole batch matching run: every merge the run made that is still in place is unmerged, in the
// background, one merge per transaction together with the progress count. Real-time matching does not merge the
// pairs again; the next batch run decides again, unless the undo was asked to keep them apart. A process that dies part-way leaves a
// running job whose lease runs out; the next claim carries on with the merges still in place (an unmerge that is
// already done is not done again). The request is audited once for the run, and each unmerge as an operator's
// unmerge is, under the operator who asked.
import type { Actor } from '../access/actor.ts';
import { audit } from '../access/audit.ts';
import type { Role } from '../access/roles.ts';
import type { AppContext } from '../kernel/context.ts';
import { AppError, notFound } from '../kernel/errors.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { unmergeCustomers } from '../identity/merge.ts';
import { markSeen, prepareKeys, writeKeys } from './keys.ts';
import { loadChangedProfiles, toPersonRecord } from './profiles.ts';
import { prepareForMatching } from './realtime.ts';
import { loadSettings } from './settings.ts';

export interface UndoRow {
  run_id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  reason: string;
  keep_apart: boolean;
  actor_type: Actor['type'];
  actor_id: string;
  actor_role: Role;
  total: number;
  done: number;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export const undoView = (u: UndoRow) => ({
  status: u.status, reason: u.reason, keepApart: u.keep_apart, requestedBy: `${u.actor_type}:${u.actor_id}`, total: u.total, done: u.done,
  error: u.error, createdAt: u.created_at, startedAt: u.started_at, finishedAt: u.finished_at,
});

/** Merges of a run that are still in place. */
const ACTIVE = `SELECT m.id FROM match_run_merges r JOIN merges m ON m.workspace_id = r.workspace_id AND m.id = r.merge_id
                 WHERE r.workspace_id = $1 AND r.run_id = $2 AND m.undone_at IS NULL`;

/** Whether an undo is queued or running in the workspace (a new run would see half a base). */
export async function undoInProgress(tx: TenantTx): Promise<string | null> {
  const { rows } = await tx.query<{ run_id: string }>(
    `SELECT run_id FROM match_run_undos WHERE workspace_id = $1 AND status IN ('queued','running') LIMIT 1`, [tx.workspaceId]);
  return rows[0]?.run_id ?? null;
}

/**
 * Queues the undo of a finished run; refused while a run is in progress or when the run was already undone. An undo
 * that failed can be asked for again: it carries on with the merges still in place.
 */
export async function queueUndo(ctx: AppContext, actor: Actor, runId: number, reason: string, keepApart: boolean) {
  return withTenant(ctx.db, actor.workspaceId, async (tx) => {
    const { rows: runs } = await tx.query<{ status: string }>(`SELECT status FROM match_runs WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [actor.workspaceId, runId]);
    if (!runs[0]) throw notFound(`matching run ${runId}`);
    if (runs[0].status !== 'done') throw new AppError(409, 'run_not_finished', `matching run ${runId} is ${runs[0].status}; only a finished run can be undone`);
    const busy = await tx.query(`SELECT id FROM match_runs WHERE workspace_id = $1 AND status IN ('queued','running') LIMIT 1`, [actor.workspaceId]);
    if (busy.rows[0]) throw new AppError(409, 'run_in_progress', `matching run ${busy.rows[0].id} is in progress; undo after it finishes`);
    const { rows: active } = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${ACTIVE}) a`, [actor.workspaceId, runId]);
    const { rows } = await tx.query<UndoRow>(
      `INSERT INTO match_run_undos (workspace_id, run_id, reason, keep_apart, actor_type, actor_id, actor_role, total)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (workspace_id, run_id) DO UPDATE SET status = 'queued', error = NULL, reason = EXCLUDED.reason, keep_apart = EXCLUDED.keep_apart,
              actor_type = EXCLUDED.actor_type, actor_id = EXCLUDED.actor_id, actor_role = EXCLUDED.actor_role, finished_at = NULL
        WHERE match_run_undos.status = 'failed'
       RETURNING *`,
      [actor.workspaceId, runId, reason, keepApart, actor.type, actor.id, actor.role, active[0].n],
    );
    if (!rows[0]) throw new AppError(409, 'already_undone', `matching run ${runId} has already been undone (or is being undone)`);
    await audit(tx, actor, 'identity.matching.run.undo', { type: 'match_run', id: runId }, { reason, keepApart, merges: active[0].n });
    return rows[0];
  });
}

const BATCH = 100;

/**
 * Rewrites the blocking keys of profiles an unmerge changed (the winner gave back what it borrowed) and marks them
 * seen, without matching them: real-time matching would otherwise merge the pair again at once. The next batch
 * run decides again (unless the undo kept them apart).
 */
async function rekey(ctx: AppContext, tx: TenantTx, ids: number[]) {
  const rows = await loadChangedProfiles(tx, ids);
  if (rows.length === 0) return;
  const { commonHashes } = await loadSettings(tx);
  const records = rows.map((row) => prepareForMatching(ctx, toPersonRecord(ctx.pii, row), commonHashes));
  await writeKeys(tx, ctx.pii, records.map(prepareKeys));
  await markSeen(tx, records.map((r) => r.id), rows.map((r) => r.digest));
}

/**
 * Claims one queued (or abandoned) undo and carries it out. Returns false when there was none. Each unmerge is its
 * own transaction with the job's progress and lease, so a crash loses at most the unmerge in flight, which rolls back.
 */
export async function undoOnce(ctx: AppContext, leaseMs: number): Promise<boolean> {
  const { rows } = await ctx.db.query<UndoRow & { workspace_id: string }>(
    `UPDATE match_run_undos SET status = 'running', started_at = COALESCE(started_at, now()), lease_until = now() + $1 * interval '1 millisecond'
      WHERE (workspace_id, run_id) = (SELECT workspace_id, run_id FROM match_run_undos
                                       WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                                       ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [leaseMs],
  );
  const job = rows[0];
  if (!job) return false;
  const ws = job.workspace_id;
  const runId = Number(job.run_id);
  const actor: Actor = { type: job.actor_type, id: job.actor_id, workspaceId: ws, role: job.actor_role };
  try {
    for (;;) {
      const { rows: next } = await withTenant(ctx.db, ws, (tx) => tx.query<{ id: string }>(`${ACTIVE} ORDER BY m.id DESC LIMIT ${BATCH}`, [ws, runId]));
      if (next.length === 0) break;
      for (const { id } of next) {
        const changed = await withTenant(ctx.db, ws, async (tx) => {
          // Locks the job row: a second process that claimed it after a lapsed lease waits here instead of racing.
          const { rows: still } = await tx.query(`SELECT 1 FROM match_run_undos WHERE workspace_id = $1 AND run_id = $2 AND status = 'running' FOR UPDATE`, [ws, runId]);
          if (!still[0]) return null;
          // Locked too, so an operator's unmerge of the same merge waits and then finds it done.
          const inPlace = await tx.query(`SELECT 1 FROM merges WHERE workspace_id = $1 AND id = $2 AND undone_at IS NULL FOR UPDATE`, [ws, id]);
          if (!inPlace.rows[0]) return [];
          const r = await unmergeCustomers(tx, Number(id), `${actor.type}:${actor.id}`, job.reason, { keepApart: job.keep_apart });
          await rekey(ctx, tx, [r.winner, r.loser]);
          await audit(tx, actor, 'customer.unmerge', { type: 'merge', id }, { ...r, reason: job.reason, runId });
          await tx.query(`UPDATE match_run_undos SET done = done + 1, lease_until = now() + $3 * interval '1 millisecond' WHERE workspace_id = $1 AND run_id = $2`, [ws, runId, leaseMs]);
          return [r.winner, r.loser];
        });
        if (changed === null) return true; // the job was taken over or finished elsewhere
        if (changed.length) ctx.changes.customersChanged(ws, changed);
      }
    }
    await ctx.db.query(`UPDATE match_run_undos SET status = 'done', finished_at = now(), lease_until = NULL WHERE workspace_id = $1 AND run_id = $2`, [ws, runId]);
  } catch (err) {
    ctx.log.warn({ err: String((err as Error)?.message ?? err), runId }, 'undoing a matching run failed');
    await ctx.db.query(`UPDATE match_run_undos SET status = 'failed', error = $3, finished_at = now(), lease_until = NULL WHERE workspace_id = $1 AND run_id = $2`,
      [ws, runId, String((err as Error)?.message ?? err)]);
  }
  return true;
}
