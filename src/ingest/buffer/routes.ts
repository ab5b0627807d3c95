// The ingest log as operators see it: how much of this workspace's tracking waits to be applied, and the entries set
// aside after repeated failures, which can be replayed once their cause is mended (a replayed entry goes back into the
// log as it was sealed; messageIds already stored are not stored again).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { AppError, conflict, notFound } from '../../kernel/errors.ts';
import { actorOf, requirePermission } from '../../access/auth.ts';
import { audit } from '../../access/audit.ts';
import type { IngestLog } from './ingest-log.ts';

const deadLetterSchema = z.object({
  id: z.number(),
  error: z.string(),
  deliveries: z.number(),
  createdAt: z.date(),
  /** Messages in the entry; null when no key in the ring opens it. */
  messages: z.number().nullable(),
});

export function registerIngestLogRoutes(app: FastifyInstance, ctx: AppContext, log?: IngestLog) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/ingest/log', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: {
      tags: ['tracking'],
      summary: 'The ingest log: events waiting to be applied and entries set aside',
      description: '`enabled` is false unless the server runs with SIYU_INGEST_BUFFER; `backlog` counts stored entries (requests or parts of one) not yet applied.',
      response: { 200: z.object({ enabled: z.boolean(), backlog: z.number().nullable(), deadLetters: z.array(deadLetterSchema) }) },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const rows = await withTenant(ctx.db, actor.workspaceId, async (tx) => (await tx.query<{ id: string; messages: number | null; error: string; deliveries: number; created_at: Date }>(
      `SELECT id, messages, error, deliveries, created_at FROM ingest_dead_letters ORDER BY id DESC LIMIT 200`)).rows);
    const deadLetters = rows.map((d) => ({ id: Number(d.id), error: d.error, deliveries: d.deliveries, createdAt: d.created_at, messages: d.messages }));
    return { enabled: !!log, backlog: log ? await log.backlogOf(actor.workspaceId) : null, deadLetters };
  });

  r.post('/v1/ingest/dead-letters/:id/replay', {
    config: { permission: 'imports:write', tenantTx: false },
    schema: {
      tags: ['tracking'],
      summary: 'Put an entry set aside back into the ingest log',
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: z.object({ replayed: z.literal(true) }) },
    },
  }, async (req) => {
    const actor = actorOf(req);
    if (!log) throw conflict('the ingest log is off on this server (set SIYU_INGEST_BUFFER); nothing can be replayed');
    await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const { rows } = await tx.query<{ entry: Buffer }>(`DELETE FROM ingest_dead_letters WHERE id = $1 RETURNING entry`, [req.params.id]);
      if (rows.length === 0) throw notFound(`dead letter ${req.params.id}`);
      // Stored before the row's removal commits: a failure here keeps the row, and a commit that fails after it
      // leaves an entry applied twice, which stores nothing twice.
      try {
        await log.republish(actor.workspaceId, rows[0].entry);
      } catch (err) {
        ctx.log.error({ err }, 'ingest log: replay failed');
        throw new AppError(503, 'ingest_unavailable', 'the ingest buffer is not reachable; the entry stays set aside, retry later');
      }
      await audit(tx, actor, 'ingest.dead_letter.replay', { type: 'ingest_dead_letter', id: req.params.id });
    });
    return { replayed: true as const };
  });
}
