// The tracking endpoints' answer when the ingest log is on: each message is checked as far as it can be without the
// database, the valid ones are stored in the log, and the caller hears "queued" once JetStream has them. Identity
// resolution happens when an applier takes them, so the answer carries no customer id.
import type { AppContext } from '../../kernel/context.ts';
import { AppError } from '../../kernel/errors.ts';
import { messageIdOf, rejectionOf, type IngestItem } from '../tracking/ingest.ts';
import type { ItemResult } from '../tracking/schema.ts';
import type { IngestLog, LogEntry } from './ingest-log.ts';

export async function appendToLog(ctx: AppContext, log: IngestLog, workspaceId: string, items: IngestItem[], batchSentAt?: string): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const keep: LogEntry['items'] = [];
  for (const { index, message } of items) {
    // The id is fixed now, so an entry applied twice (a crash between commit and acknowledgement) is stored once.
    const messageId = messageIdOf(message);
    const errors = rejectionOf(message);
    if (errors) {
      results.push({ index, messageId, status: 'rejected', errors });
      continue;
    }
    // The batch's sentAt becomes the message's: clock-skew correction reads it when the entry is applied.
    const sentAt = message.sentAt ?? batchSentAt;
    keep.push({ index, message: { ...message, messageId, ...(sentAt ? { sentAt } : {}) } });
    results.push({ index, messageId, status: 'queued' });
  }
  if (keep.length === 0) return results;
  let stored;
  try {
    stored = await log.append(workspaceId, ctx.clock.now(), keep);
  } catch (err) {
    ctx.log.error({ err }, 'ingest log: storing a request failed');
    throw new AppError(503, 'ingest_unavailable', 'the ingest buffer is not reachable; nothing from this request was acknowledged, retry it');
  }
  const tooLarge = new Set(stored.tooLarge);
  const message = (index: number) => `message ${index} is larger than the ingest buffer's ${stored.limit}-byte entry limit`;
  ctx.metrics.inc('siyu_ingest_log_appended_total', 'Tracking messages stored in the ingest log', keep.length - tooLarge.size);
  return results.map((r) => (tooLarge.has(r.index) ? { index: r.index, messageId: r.messageId, status: 'rejected', errors: [{ field: 'body', message: message(r.index) }] } : r));
}
