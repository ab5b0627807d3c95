// Batch runs as operators review them: the runs with what they merged, the merges of one run (masked profiles and
// the evidence of each), and undoing a whole run in the background with progress.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { actorOf, requirePermission } from '../access/auth.ts';
import { queueUndo, type UndoRow, undoView } from './undo.ts';

const params = z.object({ id: z.coerce.number().int().positive() });
const evidenceField = z.object({
  field: z.string(), label: z.string(), weight: z.number(), share: z.number().optional(),
  parts: z.array(z.object({ field: z.string(), label: z.string() })).optional(),
});
const undoSchema = z.object({
  status: z.enum(['queued', 'running', 'done', 'failed']), reason: z.string(), keepApart: z.boolean(), requestedBy: z.string(),
  total: z.number(), done: z.number(), error: z.string().nullable(), createdAt: z.date(), startedAt: z.date().nullable(), finishedAt: z.date().nullable(),
});
const runSchema = z.object({
  id: z.number(), status: z.string(), createdBy: z.string(), createdAt: z.date(), finishedAt: z.date().nullable(),
  profiles: z.number().nullable(), reviewsQueued: z.number().nullable(),
  /** Merges the run made, and how many of them are still in place. */
  merges: z.number(), activeMerges: z.number(),
  undo: undoSchema.nullable(),
});
const profileSchema = z.object({ id: z.number(), name: z.string().nullable(), phone: z.string().nullable(), city: z.string().nullable() });

interface RunRow {
  id: string; status: string; created_by: string; created_at: Date; finished_at: Date | null; stats: { profiles?: number; reviewsQueued?: number };
  merges: number; active: number;
}

const RUNS = `SELECT r.id, r.status, r.created_by, r.created_at, r.finished_at, r.stats,
                     (SELECT count(*)::int FROM match_run_merges rm WHERE rm.workspace_id = r.workspace_id AND rm.run_id = r.id) AS merges,
                     (SELECT count(*)::int FROM match_run_merges rm JOIN merges m ON m.workspace_id = rm.workspace_id AND m.id = rm.merge_id
                       WHERE rm.workspace_id = r.workspace_id AND rm.run_id = r.id AND m.undone_at IS NULL) AS active
                FROM match_runs r WHERE r.workspace_id = $1`;

const runView = (r: RunRow, undo: UndoRow | undefined) => ({
  id: Number(r.id), status: r.status, createdBy: r.created_by, createdAt: r.created_at, finishedAt: r.finished_at,
  profiles: r.stats?.profiles ?? null, reviewsQueued: r.stats?.reviewsQueued ?? null, merges: r.merges, activeMerges: r.active,
  undo: undo ? undoView(undo) : null,
});

export function registerRunRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/identity/matching/runs', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['identity'], summary: 'Batch matching runs, newest first, with their merges and any undo',
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: z.object({ runs: z.array(runSchema) }) },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query<RunRow>(`${RUNS} ORDER BY r.id DESC LIMIT $2`, [actor.workspaceId, req.query.limit]);
    const { rows: undos } = await tx.query<UndoRow>(`SELECT * FROM match_run_undos WHERE workspace_id = $1 AND run_id = ANY($2)`, [actor.workspaceId, rows.map((x) => x.id)]);
    const undoOf = new Map(undos.map((u) => [String(u.run_id), u]));
    return { runs: rows.map((row) => runView(row, undoOf.get(String(row.id)))) };
  });

  r.get('/v1/identity/matching/runs/:id/merges', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['identity'], summary: 'The merges a batch run made: both profiles (masked), the evidence, and whether each is still in place',
      params,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20), offset: z.coerce.number().int().min(0).default(0) }),
      response: {
        200: z.object({
          total: z.number(),
          items: z.array(z.object({
            mergeId: z.number(), winner: profileSchema, loser: profileSchema, probability: z.number().nullable(), weight: z.number().nullable(),
            fields: z.array(evidenceField), createdAt: z.date(), undoneAt: z.date().nullable(), undoneBy: z.string().nullable(), undoReason: z.string().nullable(),
          })),
        }),
      },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const run = await tx.query(`SELECT 1 FROM match_runs WHERE workspace_id = $1 AND id = $2`, [actor.workspaceId, req.params.id]);
    if (!run.rows[0]) throw notFound(`matching run ${req.params.id}`);
    const { rows } = await tx.query<{
      id: string; winner_id: string; loser_id: string; evidence: { probability?: number; weight?: number; fields?: z.infer<typeof evidenceField>[] };
      created_at: Date; undone_at: Date | null; undone_by: string | null; undo_reason: string | null; total: number;
    }>(
      `SELECT m.id, m.winner_id, m.loser_id, m.evidence, m.created_at, m.undone_at, m.undone_by, m.undo_reason, count(*) OVER ()::int AS total
         FROM match_run_merges rm JOIN merges m ON m.workspace_id = rm.workspace_id AND m.id = rm.merge_id
        WHERE rm.workspace_id = $1 AND rm.run_id = $2 ORDER BY m.id LIMIT $3 OFFSET $4`,
      [actor.workspaceId, req.params.id, req.query.limit, req.query.offset],
    );
    const ids = rows.flatMap((m) => [m.winner_id, m.loser_id]);
    const { rows: people } = await tx.query<{ id: string; pii_masked: Record<string, string>; traits: Record<string, unknown> }>(
      `SELECT id, pii_masked, traits FROM customers WHERE workspace_id = $1 AND id = ANY($2)`, [actor.workspaceId, ids]);
    const byId = new Map(people.map((p) => [String(p.id), p]));
    const profile = (id: string) => {
      const p = byId.get(String(id));
      const city = p?.traits?.city;
      return { id: Number(id), name: p?.pii_masked?.name ?? null, phone: p?.pii_masked?.phone ?? null, city: typeof city === 'string' ? city : null };
    };
    const total = rows[0]?.total ?? Number((await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM match_run_merges WHERE workspace_id = $1 AND run_id = $2`, [actor.workspaceId, req.params.id])).rows[0].n);
    return {
      total,
      items: rows.map((m) => ({
        mergeId: Number(m.id), winner: profile(m.winner_id), loser: profile(m.loser_id), probability: m.evidence?.probability ?? null, weight: m.evidence?.weight ?? null,
        fields: m.evidence?.fields ?? [], createdAt: m.created_at, undoneAt: m.undone_at, undoneBy: m.undone_by, undoReason: m.undo_reason,
      })),
    };
  });

  r.post('/v1/identity/matching/runs/:id/undo', {
    config: { permission: 'identity:merge', tenantTx: false },
    schema: {
      tags: ['identity'], summary: 'Undo every merge of a batch run that is still in place (a background job with progress)',
      description: 'Each profile comes back as it was before the merge. With `keepApart` the pairs are also blocked from being merged automatically again; without it the next run decides again.',
      params,
      body: z.object({
        reason: z.string().trim().min(1, 'say why, for the audit trail').max(500),
        keepApart: z.boolean().default(false),
      }),
      response: { 202: undoSchema },
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const undo = await queueUndo(ctx, actor, req.params.id, req.body.reason, req.body.keepApart);
    return reply.code(202).send(undoView(undo));
  });

  r.get('/v1/identity/matching/runs/:id/undo', {
    config: { permission: 'customers:read' },
    schema: { tags: ['identity'], summary: 'Progress of undoing a batch run', params, response: { 200: undoSchema } },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query<UndoRow>(`SELECT * FROM match_run_undos WHERE workspace_id = $1 AND run_id = $2`, [actor.workspaceId, req.params.id]);
    if (!rows[0]) throw notFound(`undo of matching run ${req.params.id}`);
    return undoView(rows[0]);
  });
}
