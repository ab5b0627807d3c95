// Applies the ingest log to PostgreSQL: identity resolution, profile updates and event rows, exactly as a direct
// /v1/batch would, but many requests per transaction. Entries that arrive while a transaction runs are taken together
// by the next one, so transactions grow with the load and stay small when it is light.
//
// An entry is acknowledged only after its transaction commits. A crash before that hands it out again, and the
// events' messageId uniqueness makes the second application store nothing twice. A transaction that fails is retried
// entry by entry, so one bad entry cannot hold back the rest; an entry that keeps failing is set aside in
// ingest_dead_letters (still sealed) after MAX_DELIVERIES, where an operator can see it and nothing is lost.
import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { AppContext } from '../../kernel/context.ts';
import type { Worker } from '../../kernel/module.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { ingestMessages, type IngestItem } from '../tracking/ingest.ts';
import type { IngestLog, LogEntry } from './ingest-log.ts';

const MAX_DELIVERIES = 5;
/** Events per transaction at most: big enough to share each transaction's fixed costs, small enough to retry. */
const MAX_ITEMS = 5_000;

interface Pending {
  msg: JsMsg;
  entry: LogEntry | null;
  error?: string;
}

export class BufferApplier implements Worker {
  readonly name = 'ingest log applier';
  private consumer: Consumer | null = null;
  private messages: ConsumerMessages | null = null;
  private readonly queue: Pending[] = [];
  /** Entries in a transaction now: with the queue, every entry this process holds unacknowledged. */
  private readonly applying = new Set<Pending>();
  private heartbeat: NodeJS.Timeout | null = null;
  private wakeUp: (() => void) | null = null;
  private loops: Promise<void>[] = [];
  private running = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly log: IngestLog,
    /**
     * `loops`: transactions this process runs at once (0: it only acknowledges, others apply); `retryDelayMs`: wait
     * before a failed entry's next attempt, times the attempts so far.
     */
    private readonly opts: { loops: number; retryDelayMs?: number },
  ) {}

  start(): void {
    if (this.running || this.opts.loops === 0) return;
    this.running = true;
    this.loops = [this.receive(), ...Array.from({ length: this.opts.loops }, () => this.applyLoop())];
    // Held entries stay ours while this process lives, however long a transaction or the queue takes; if it dies,
    // JetStream hands them to another applier once the acknowledgement deadline passes.
    this.heartbeat = setInterval(() => {
      for (const p of [...this.queue, ...this.applying]) p.msg.working();
    }, this.log.ackWaitMs / 3);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.messages?.close();
    this.wakeLoops();
    await Promise.all(this.loops);
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Entries taken but not applied go back at once rather than after the acknowledgement deadline.
    for (const p of this.queue.splice(0)) p.msg.nak();
  }

  private async receive() {
    while (this.running) {
      try {
        this.consumer ??= await this.log.consumer();
        this.messages = await this.consumer.consume({ max_messages: 64 });
        // stop() may have run while the consumer was being fetched, before there was anything to close.
        if (!this.running) return void (await this.messages.close());
        for await (const msg of this.messages) {
          let entry: LogEntry | null = null;
          let error: string | undefined;
          try {
            entry = this.log.read(msg.data);
          } catch (err: any) {
            error = `cannot open the entry: ${err.message}`;
          }
          this.queue.push({ msg, entry, error });
          this.wakeLoops();
        }
        // The server ended the subscription (its consumer was removed, say): subscribe again, without spinning.
        if (this.running) await new Promise((r) => setTimeout(r, 1_000));
      } catch (err) {
        if (!this.running) return;
        this.ctx.log.error({ err }, 'ingest log: receiving failed; retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private wakeLoops() {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private async applyLoop() {
    while (this.running) {
      const batch = this.take();
      if (batch.length === 0) {
        await new Promise<void>((resolve) => {
          const prev = this.wakeUp;
          this.wakeUp = () => (prev?.(), resolve());
        });
        continue;
      }
      batch.forEach((p) => this.applying.add(p));
      try {
        await this.apply(batch);
      } finally {
        batch.forEach((p) => this.applying.delete(p));
      }
    }
  }

  /** Takes queued entries of one workspace (the oldest entry's) up to MAX_ITEMS events; unreadable entries alone. */
  private take(): Pending[] {
    if (this.queue.length === 0) return [];
    if (!this.queue[0].entry) return this.queue.splice(0, 1);
    const ws = this.queue[0].entry.workspaceId;
    const taken: Pending[] = [];
    let items = 0;
    for (let i = 0; i < this.queue.length && items < MAX_ITEMS; ) {
      const p = this.queue[i];
      if (p.entry?.workspaceId === ws) {
        taken.push(p);
        items += p.entry.items.length;
        this.queue.splice(i, 1);
      } else i++;
    }
    return taken;
  }

  private async apply(batch: Pending[]) {
    if (batch.length === 1 && !batch[0].entry) return this.failed(batch[0], batch[0].error!);
    try {
      await this.store(batch);
      for (const p of batch) p.msg.ack();
    } catch (err: any) {
      if (batch.length > 1) {
        for (const p of batch) await this.apply([p]);
        return;
      }
      this.ctx.log.warn({ err, workspaceId: batch[0].entry!.workspaceId, attempt: batch[0].msg.info.deliveryCount }, 'ingest log: applying an entry failed');
      await this.failed(batch[0], err.message);
    }
  }

  private async store(batch: Pending[]) {
    const items: IngestItem[] = [];
    for (const p of batch) {
      const receivedAt = new Date(p.entry!.receivedAt);
      for (const it of p.entry!.items) items.push({ index: it.index, message: it.message, receivedAt });
    }
    await ingestMessages(this.ctx, batch[0].entry!.workspaceId, items);
    this.ctx.metrics.inc('siyu_ingest_log_applied_total', 'Buffered tracking messages applied to the database', items.length);
  }

  private get retryDelay() {
    return this.opts.retryDelayMs ?? 2_000;
  }

  private async failed(p: Pending, error: string) {
    if (p.msg.info.deliveryCount < MAX_DELIVERIES) {
      p.msg.nak(this.retryDelay * p.msg.info.deliveryCount);
      return;
    }
    try {
      const ws = p.entry?.workspaceId ?? p.msg.subject.split('.').pop()!;
      await withTenant(this.ctx.db, ws, (tx) => tx.query(
        `INSERT INTO ingest_dead_letters (workspace_id, entry, messages, error, deliveries, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [ws, Buffer.from(p.msg.data), p.entry?.items.length ?? null, error.slice(0, 2000), p.msg.info.deliveryCount, this.ctx.clock.now()],
      ));
      this.ctx.log.error({ workspaceId: ws, error }, 'ingest log: an entry kept failing and was set aside in ingest_dead_letters');
      this.ctx.metrics.inc('siyu_ingest_log_dead_letters_total', 'Buffered entries set aside after repeated failures');
      p.msg.ack();
    } catch (err) {
      this.ctx.log.error({ err }, 'ingest log: could not set an entry aside; it will be handed out again');
      p.msg.nak(this.retryDelay * MAX_DELIVERIES);
    }
  }
}
