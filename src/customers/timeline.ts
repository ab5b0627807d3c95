// The customer timeline (the events table): the one place that writes it. Tracking calls store what the customer did;
// every capability appends what happened to the customer (a message sent, points earned, a segment entered, a journey
// step) as a timeline entry with a key that makes the append idempotent, so a retried step never shows twice.
import type { TenantTx } from '../kernel/tenant.ts';

/** Something that happened to a customer, told by a capability. */
export interface TimelineEntry {
  /** Unique per workspace (e.g. `points:123`): a second append with the same key is ignored. */
  key: string;
  customerId: number;
  /** snake_case event name, e.g. message_sent, points_earned, segment_entered. */
  event: string;
  properties: Record<string, unknown>;
  at: Date | string;
}

const CHUNK = 5000;

/** Appends entries (idempotent by key); answers how many were new. */
export async function appendTimeline(tx: TenantTx, entries: readonly TimelineEntry[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    const res = await tx.query(
      `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, ts)
       SELECT $1, u.k, u.c, 'track', u.e, u.p, u.ts
         FROM jsonb_to_recordset($2::jsonb) AS u(o int, k text, c bigint, e text, p jsonb, ts timestamptz)
        ORDER BY u.o
       ON CONFLICT (workspace_id, message_id) DO NOTHING`,
      [tx.workspaceId, JSON.stringify(part.map((e, o) => ({ o, k: e.key, c: e.customerId, e: e.event, p: e.properties, ts: new Date(e.at).toISOString() })))],
    );
    added += res.rowCount;
  }
  return added;
}

/** A tracking call as stored: the SDK's message id, type, event name, properties and context, with its times. */
export interface TrackedEvent {
  messageId: string;
  customerId: number;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  ts: Date;
  originalTs: Date | null;
  receivedAt: Date;
}

/** Stores tracking calls in order; answers the message ids that were new (the others were retries). */
export async function storeTrackedEvents(tx: TenantTx, events: readonly TrackedEvent[]): Promise<Set<string>> {
  // One JSON document instead of an array per column: PostgreSQL reads it about a third faster than ten text arrays,
  // and properties and context go in as they are rather than serialised once more as array elements.
  const rows = events.map((e, o) => ({ o, m: e.messageId, c: e.customerId, t: e.type, e: e.event, p: e.properties, x: e.context, ts: e.ts, ots: e.originalTs, rcv: e.receivedAt }));
  const { rows: stored } = await tx.query<{ message_id: string }>(
    `INSERT INTO events (workspace_id, message_id, customer_id, type, event, properties, context, ts, original_ts, received_at)
     SELECT $1, m, c, t, e, p, x, ts, ots, rcv
       FROM jsonb_to_recordset($2::jsonb) AS u(o int, m text, c bigint, t text, e text, p jsonb, x jsonb, ts timestamptz, ots timestamptz, rcv timestamptz)
      ORDER BY o
     ON CONFLICT (workspace_id, message_id) DO NOTHING
     RETURNING message_id`,
    [tx.workspaceId, JSON.stringify(rows)],
  );
  return new Set(stored.map((r) => r.message_id));
}
