// The durable ingest log (ARCHITECTURE "Scaling out"). When SIYU_INGEST_BUFFER names a NATS server, a tracking batch
// is acknowledged once JetStream has stored it; appliers (./applier.ts) then resolve identities and write the events
// to PostgreSQL in large transactions. A burst (双11 at midnight) waits in the log instead of in HTTP timeouts, and
// API processes and appliers scale apart.
//
// Entries are sealed with the PII key (AES-256-GCM, Pii.sealBytes) before they leave the process: they carry phones,
// emails and names, and the log is storage at rest like any other.
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType,
  type Consumer, type JetStreamClient, type JetStreamManager,
} from '@nats-io/jetstream';
import type { Pii } from '../../kernel/crypto/pii.ts';
import type { TrackingMessage } from '../tracking/schema.ts';

/** One stored entry: part of one HTTP request, for one workspace. */
export interface LogEntry {
  workspaceId: string;
  receivedAt: string;
  /** Position of each message in the request, so answers and errors keep pointing at the caller's items. */
  items: { index: number; message: TrackingMessage }[];
}

const APPLIER = 'applier';
/**
 * How long an entry may go without word from the applier holding it before JetStream hands it to another: a crashed
 * process's entries come back after this. A live applier reports progress well within it (BufferApplier heartbeats),
 * however long its transaction takes.
 */
const ACK_WAIT_MS = 15_000;
/** Entries handed out and not yet acknowledged, across all appliers: bounds their memory (~500 events each). */
const MAX_IN_FLIGHT = 100;

export class IngestLog {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly pii: Pii,
    readonly stream: string,
    readonly ackWaitMs: number,
  ) {}

  /** Connects and makes sure the stream and the appliers' durable consumer exist (several processes may race here). */
  static async open(url: string, stream: string, pii: Pii, opts: { ackWaitMs?: number } = {}): Promise<IngestLog> {
    const ackWaitMs = opts.ackWaitMs ?? ACK_WAIT_MS;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw new Error(`SIYU_INGEST_STREAM must be letters, digits, _ or -, got "${stream}"`);
    const nc = await connect({ servers: url, name: 'siyu-ingest', maxReconnectAttempts: -1 });
    const jsm = await jetstreamManager(nc);
    // Work-queue retention: an entry is deleted once an applier acknowledges it, so the log holds only the backlog.
    if (!(await jsm.streams.info(stream).catch(() => null))) {
      await createUnlessRaced(
        () => jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File }),
        () => jsm.streams.info(stream),
      );
    }
    const limits = { ack_wait: nanos(ackWaitMs), max_ack_pending: MAX_IN_FLIGHT };
    const existing = await jsm.consumers.info(stream, APPLIER).catch(() => null);
    if (!existing) {
      await createUnlessRaced(
        () => jsm.consumers.add(stream, { durable_name: APPLIER, ack_policy: AckPolicy.Explicit, ...limits }),
        () => jsm.consumers.info(stream, APPLIER),
      );
    } else if (existing.config.ack_wait !== limits.ack_wait || existing.config.max_ack_pending !== limits.max_ack_pending) {
      // A stream made by an earlier version (or another setting): its consumer takes this one's limits.
      await jsm.consumers.update(stream, APPLIER, limits);
    }
    return new IngestLog(nc, jetstream(nc), jsm, pii, stream, ackWaitMs);
  }

  /**
   * Stores a request's messages; resolves once JetStream has stored every part in its file store (it survives a crash
   * of any process; for power loss, run NATS with `sync_interval: always`, as PostgreSQL fsyncs each commit). Parts
   * are cut under the server's payload limit (1 MB by default, while a request may be larger). Returns the indexes of
   * messages that cannot fit in any entry: those alone are not stored.
   */
  async append(workspaceId: string, receivedAt: Date, items: LogEntry['items']): Promise<{ tooLarge: number[]; limit: number }> {
    // Sealing adds a few dozen bytes, and the envelope a few hundred; UTF-8 may take 3 bytes a character.
    const limit = (this.nc.info?.max_payload ?? 1024 * 1024) - 1024;
    const head = `{"workspaceId":${JSON.stringify(workspaceId)},"receivedAt":"${receivedAt.toISOString()}","items":`;
    const whole = JSON.stringify(items);
    const { parts, tooLarge } = Buffer.byteLength(whole) <= limit ? { parts: [whole], tooLarge: [] } : this.split(items, limit);
    const subject = `${this.stream}.${workspaceId}`;
    await Promise.all(parts.map((p) => this.js.publish(subject, this.pii.sealBytes(`${head}${p}}`), { expect: { streamName: this.stream } })));
    return { tooLarge, limit };
  }

  /** JSON arrays of the items, each under `limit` bytes, and the indexes of items larger than that on their own. */
  private split(items: LogEntry['items'], limit: number): { parts: string[]; tooLarge: number[] } {
    const parts: string[][] = [[]];
    const tooLarge: number[] = [];
    let size = 2;
    for (const item of items) {
      const json = JSON.stringify(item);
      const bytes = Buffer.byteLength(json) + 1;
      if (bytes + 2 > limit) {
        tooLarge.push(item.index);
        continue;
      }
      if (size + bytes > limit) {
        parts.push([]);
        size = 2;
      }
      parts[parts.length - 1].push(json);
      size += bytes;
    }
    return { parts: parts.filter((p) => p.length > 0).map((p) => `[${p.join(',')}]`), tooLarge };
  }

  /** Puts an entry back as it was sealed (a dead letter an operator replays). */
  async republish(workspaceId: string, sealed: Uint8Array): Promise<void> {
    await this.js.publish(`${this.stream}.${workspaceId}`, sealed, { expect: { streamName: this.stream } });
  }

  /** Opens a sealed entry; throws when no key in the ring opens it. */
  read(data: Uint8Array): LogEntry {
    return JSON.parse(this.pii.openBytes(data).toString('utf8'));
  }

  consumer(): Promise<Consumer> {
    return this.js.consumers.get(this.stream, APPLIER);
  }

  /** Entries stored and not yet applied (waiting, or handed to an applier and not acknowledged). */
  async backlog(): Promise<number> {
    const info = await this.jsm.consumers.info(this.stream, APPLIER);
    return info.num_pending + info.num_ack_pending;
  }

  /** One workspace's entries not yet applied: its subject's messages (the work queue deletes each once applied). */
  async backlogOf(workspaceId: string): Promise<number> {
    const subject = `${this.stream}.${workspaceId}`;
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

/** Creates a thing; a failure is only an error if the thing still does not exist (another process made it first). */
async function createUnlessRaced(create: () => Promise<unknown>, exists: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!(await exists().then(() => true, () => false))) throw err;
  }
}
