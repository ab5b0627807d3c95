// Segment-compatible tracking endpoints. Existing Segment and RudderStack SDKs work by pointing their host here.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { actorOf } from '../../access/auth.ts';
import { AppError } from '../../kernel/errors.ts';
import { ingestMessages, type IngestItem } from './ingest.ts';
import type { IngestLog } from '../buffer/ingest-log.ts';
import { appendToLog } from '../buffer/append.ts';
import { batchSchema, type ItemResult, MESSAGE_TYPES, type MessageType, parseMessage, schemaByType, trackingResponseSchema } from './schema.ts';

/** `log`: the ingest log when SIYU_INGEST_BUFFER is set; requests are then acknowledged once it holds them. */
export function registerTrackingRoutes(app: FastifyInstance, ctx: AppContext, log?: IngestLog) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const store = (workspaceId: string, items: IngestItem[], batchSentAt?: string) =>
    log ? appendToLog(ctx, log, workspaceId, items, batchSentAt) : ingestMessages(ctx, workspaceId, items, { batchSentAt });

  for (const type of MESSAGE_TYPES) {
    r.post(`/v1/${type}`, {
      config: { permission: 'tracking' },
      schema: { tags: ['tracking'], summary: `Segment ${type} call`, body: schemaByType[type], response: { 200: trackingResponseSchema } },
    }, async (req) => {
      const parsed = parseMessage(req.body, type as MessageType);
      if (!parsed.ok) throw new AppError(400, 'validation', parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; '), parsed.errors);
      const [result] = await store(actorOf(req).workspaceId, [{ index: 0, message: parsed.message }]);
      if (result.status === 'rejected') throw new AppError(400, 'validation', result.errors!.map((e) => `${e.field}: ${e.message}`).join('; '), result.errors);
      return { success: true, results: [result] };
    });
  }

  // /v1/import is Segment's historical alias of /v1/batch.
  for (const path of ['/v1/batch', '/v1/import']) {
    r.post(path, {
      config: { permission: 'tracking', checkEachItem: true },
      schema: {
        tags: ['tracking'],
        summary: 'Segment batch: many messages, answered per item',
        description: 'Each item is validated on its own: valid items are stored, invalid ones are reported in `results` with the field at fault. A retried batch (same messageIds) stores nothing twice.',
        body: batchSchema,
        response: { 200: trackingResponseSchema },
      },
    }, async (req) => {
      const body = req.body as z.infer<typeof batchSchema>;
      const results: ItemResult[] = new Array(body.batch.length);
      const valid: IngestItem[] = [];
      body.batch.forEach((raw, index) => {
        // Batch-level context (Segment SDKs put library info there) is the default for each item.
        const item = body.context && raw && typeof raw === 'object' ? { ...(raw as object), context: { ...body.context, ...((raw as any).context ?? {}) } } : raw;
        const parsed = parseMessage(item, undefined, `batch.${index}.`);
        if (parsed.ok) valid.push({ index, message: parsed.message });
        else results[index] = { index, messageId: (raw as any)?.messageId ?? null, status: 'rejected', errors: parsed.errors };
      });
      if (valid.length > 0) {
        const stored = await store(actorOf(req).workspaceId, valid, body.sentAt);
        for (const s of stored) results[s.index] = s;
      }
      return { success: results.every((x) => x.status !== 'rejected'), results };
    });
  }
}
