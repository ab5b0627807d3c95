// Background recomputes after definition changes (segments, rule tags, traits, layers): the console follows a job
// at /v1/recomputes/{id} when the request that started it answered before it finished (engine.recomputeWithin).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { jobView, type UnderstandingEngine } from './engine.ts';


/** Starts (or joins) a recompute and waits up to waitMs for it (engine.recomputeWithin). */
export const recomputeWithin = (engine: UnderstandingEngine, workspaceId: string, reason: string, waitMs?: number) =>
  engine.recomputeWithin(workspaceId, reason, waitMs);

export function registerRecomputeRoutes(app: FastifyInstance, ctx: AppContext, engine: UnderstandingEngine) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/recomputes/:id', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['segments'], summary: 'A background recompute of traits, tags and segments: stage and progress', params: z.object({ id: z.coerce.number().int().positive() }) },
  }, async (req) => {
    const actor = actorOf(req);
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
    config: { permission: 'customers:read' },
    schema: { tags: ['segments'], summary: 'Recent background recomputes: why, when, how many entries and exits' },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    return ({
      recomputes: (await tx.query(`SELECT id, reason, status, changes, error, requested_at, started_at, finished_at FROM recompute_jobs WHERE workspace_id = $1 ORDER BY id DESC LIMIT 50`, [actor.workspaceId])).rows,
    });
  });
}
