// Definition changes (segments, rule tags, traits, layers) recompute everyone in the background. A request waits a
// few seconds — long enough for most workspaces, so the answer already has the new sizes — and otherwise answers
// with the running job, which the console follows at /v1/recomputes/{id}.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { requirePermission } from '../http/auth.ts';
import type { RecomputeJob, UnderstandingEngine } from './engine.ts';

const WAIT_MS = 3_000;

export const jobView = (j: RecomputeJob) => ({
  id: j.id, status: j.status, stage: j.stage, done: j.done, total: j.total, changes: j.changes, ...(j.error ? { error: j.error } : {}),
});

/** Starts (or joins) a recompute and waits up to a few seconds for it; the job as it stands then. */
export async function recomputeWithin(engine: UnderstandingEngine, workspaceId: string, reason: string, waitMs = WAIT_MS) {
  const job = await engine.recompute(workspaceId, reason);
  await Promise.race([job.finished, new Promise((r) => setTimeout(r, waitMs).unref())]);
  return jobView(job);
}

export function registerRecomputeRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/recomputes/:id', {
    config: { auth: 'manage' },
    schema: { tags: ['segments'], summary: 'A background recompute of traits, tags and segments: stage and progress', params: z.object({ id: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:read');
    const live = engine.job(req.params.id);
    if (live && live.workspaceId === actor.workspaceId) return jobView(live);
    // Run by another process, or long ago: what the database knows.
    const { rows } = await withTenant(ctx.db, actor.workspaceId, (tx) => tx.query(
      `SELECT id, status, changes, error, requested_at, started_at, finished_at FROM recompute_jobs WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, req.params.id]));
    if (!rows[0]) throw notFound(`recompute ${req.params.id}`);
    const row = rows[0];
    return { id: Number(row.id), status: row.status, stage: row.status === 'done' ? 'finished' : 'waiting', done: 0, total: 0, changes: row.changes ?? 0, ...(row.error ? { error: row.error } : {}) };
  });

  r.get('/v1/recomputes', {
    config: { auth: 'manage' },
    schema: { tags: ['segments'], summary: 'Recent background recomputes: why, when, how many entries and exits' },
  }, async (req) => {
    const actor = requirePermission(req, 'customers:read');
    return withTenant(ctx.db, actor.workspaceId, async (tx) => ({
      recomputes: (await tx.query(`SELECT id, reason, status, changes, error, requested_at, started_at, finished_at FROM recompute_jobs WHERE workspace_id = $1 ORDER BY id DESC LIMIT 50`, [actor.workspaceId])).rows,
    }));
  });
}
