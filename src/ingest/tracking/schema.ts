// Segment HTTP tracking spec payloads (identify, track, page, screen, group, alias, batch), declared once with Zod:
// they validate requests, type the code and feed the OpenAPI document. Unknown fields that SDKs add
// (_metadata, channel, rudderId ...) are tolerated.
import { z } from 'zod';
import { isoDateTime } from '../../kernel/http/schemas.ts';
import { unstorable } from '../../kernel/storable-json.ts';

const idValue = z.union([z.string(), z.number()]).transform((v) => String(v));
const object = z.record(z.string(), z.unknown());

const common = {
  messageId: z.string().min(1).max(200).optional(),
  userId: idValue.nullish(),
  anonymousId: idValue.nullish(),
  timestamp: isoDateTime.optional(),
  originalTimestamp: isoDateTime.optional(),
  sentAt: isoDateTime.optional(),
  context: object.optional(),
  integrations: object.optional(),
};

export const identifySchema = z.looseObject({ ...common, type: z.literal('identify').optional(), traits: object.optional() });
export const trackSchema = z.looseObject({ ...common, type: z.literal('track').optional(), event: z.string().min(1).max(200), properties: object.optional() });
export const pageSchema = z.looseObject({ ...common, type: z.literal('page').optional(), name: z.string().max(200).nullish(), category: z.string().max(200).nullish(), properties: object.optional() });
export const screenSchema = z.looseObject({ ...common, type: z.literal('screen').optional(), name: z.string().max(200).nullish(), properties: object.optional() });
export const groupSchema = z.looseObject({ ...common, type: z.literal('group').optional(), groupId: idValue, traits: object.optional() });
export const aliasSchema = z.looseObject({ ...common, type: z.literal('alias').optional(), previousId: idValue, userId: idValue });

export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const schemaByType = {
  identify: identifySchema,
  track: trackSchema,
  page: pageSchema,
  screen: screenSchema,
  group: groupSchema,
  alias: aliasSchema,
} as const;

/** The batch envelope is checked strictly; its items one by one, so one bad item never sinks the others. */
export const batchSchema = z.looseObject({
  batch: z.array(z.unknown()).min(1, 'must hold at least one message').max(5000, 'holds more than 5000 messages'),
  sentAt: isoDateTime.optional(),
  context: object.optional(),
  writeKey: z.string().optional(),
});

export const itemResultSchema = z.object({
  index: z.number(),
  messageId: z.string().nullable(),
  // queued: stored in the ingest log (SIYU_INGEST_BUFFER), applied shortly; no customer id yet.
  status: z.enum(['accepted', 'queued', 'duplicate', 'rejected']),
  customerId: z.number().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  warnings: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type ItemResult = z.infer<typeof itemResultSchema>;

export const trackingResponseSchema = z.object({ success: z.boolean(), results: z.array(itemResultSchema).optional() });

export interface TrackingMessage {
  type: MessageType;
  messageId?: string;
  userId?: string | null;
  anonymousId?: string | null;
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
  context?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  event?: string;
  name?: string | null;
  category?: string | null;
  groupId?: string;
  previousId?: string;
}

export type ParsedItem = { ok: true; message: TrackingMessage } | { ok: false; errors: { field: string; message: string }[] };

export function parseMessage(raw: unknown, forcedType?: MessageType, prefix = ''): ParsedItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: [{ field: prefix || 'body', message: 'must be a JSON object' }] };
  const type = (forcedType ?? (raw as any).type) as MessageType;
  if (!MESSAGE_TYPES.includes(type)) {
    return { ok: false, errors: [{ field: `${prefix}type`, message: `must be one of ${MESSAGE_TYPES.join(', ')}` }] };
  }
  const parsed = schemaByType[type].safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => ({ field: prefix + (i.path.join('.') || 'body'), message: i.message })) };
  }
  const message = { ...(parsed.data as object), type } as TrackingMessage;
  const refused = unstorable(message, prefix.replace(/\.$/, ''));
  if (refused) return { ok: false, errors: [refused] };
  if (type !== 'alias' && !message.userId && !message.anonymousId) {
    return { ok: false, errors: [{ field: `${prefix}userId`, message: 'userId or anonymousId is required' }] };
  }
  return { ok: true, message };
}
