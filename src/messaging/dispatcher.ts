// Sends what the outbox holds. Network providers: a batch is claimed (attempt counted, row leased) and committed
// before sending, sent within the channel's rate, and the results recorded; a process that dies mid-batch leaves
// leased rows that come back when the lease ends and go out again under the same idempotency key. The console inbox
// delivers inside the claiming transaction. Results flow back as message_sent / message_failed timeline events.
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import { loadChannels, providerFor, settingsOf, type ChannelRow } from './channels.ts';
import { ProviderError, type OutboundMessage } from './providers/provider.ts';
import { linkUrl } from './links.ts';
import { appendTimeline } from '../customers/timeline.ts';

const LEASE_MS = 60_000;
const MAX_ATTEMPTS = 8;
const BATCH = 500;
const CONCURRENCY = 32;

/** Exponential backoff: 10 s, 20 s, 40 s ... at most an hour. */
export const retryDelayMs = (attempts: number) => Math.min(3_600_000, 10_000 * 2 ** (attempts - 1));

interface Claimed {
  id: number;
  idem_key: string;
  customer_id: number | null;
  channel: string;
  recipient_enc: string | null;
  subject: string | null;
  body: string;
  payload: Record<string, unknown>;
  attempts: number;
  source_type: string;
  source_id: string | null;
  template_key: string | null;
}

interface Result {
  row: Claimed;
  ok: boolean;
  providerId?: string;
  error?: string;
  retryable?: boolean;
}

export class OutboxDispatcher extends PollingWorker {
  /** Per workspace and channel: tokens left in the current second (the channel's rate limit, per process). */
  private readonly buckets = new Map<string, { second: number; used: number }>();

  constructor(private readonly ctx: AppContext, pollMs = 250) {
    super('outbox', ctx.log, { pollMs });
  }

  /** One pass over every workspace with messages due; true when something was sent (call again). */
  async runOnce(): Promise<boolean> {
    const now = this.ctx.clock.now();
    const { rows } = await this.ctx.db.query<{ id: string }>(
      `SELECT w.id FROM workspaces w WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.workspace_id = w.id AND o.status = 'queued' AND o.next_attempt_at <= $1)`, [now]);
    let worked = false;
    for (const { id } of rows) worked = (await this.dispatchWorkspace(id)) || worked;
    return worked;
  }

  async dispatchWorkspace(workspaceId: string): Promise<boolean> {
    const now = this.ctx.clock.now();
    const claimed = await withTenant(this.ctx.db, workspaceId, async (tx) => {
      const channels = await loadChannels(tx);
      const { rows } = await tx.query<Claimed>(
        `SELECT id, idem_key, customer_id, channel, recipient_enc, subject, body, payload, attempts, source_type, source_id, template_key FROM outbox
          WHERE workspace_id = $1 AND status = 'queued' AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [workspaceId, now, BATCH],
      );
      const inTx: Result[] = [];
      const network: Claimed[] = [];
      const local = new Map<string, Claimed[]>(); // in-transaction deliveries, by provider kind
      for (const row of rows) {
        const channel = channels.get(row.channel);
        if (!channel) {
          inTx.push({ row, ok: false, error: 'the channel has no provider any more', retryable: false });
          continue;
        }
        if (!this.take(workspaceId, channel, now)) continue; // over the rate: stays queued for the next second
        const provider = providerFor(channel.kind, { allowPrivateOutbound: this.ctx.config.allowPrivateOutbound });
        if (provider.deliverInTx) (local.get(channel.kind) ?? local.set(channel.kind, []).get(channel.kind)!).push(row);
        else network.push(row);
      }
      for (const [kind, batch] of local) {
        const provider = providerFor(kind, { allowPrivateOutbound: this.ctx.config.allowPrivateOutbound });
        const delivered = await provider.deliverInTx!(tx, batch.map((row) => this.message(workspaceId, row)), now);
        batch.forEach((row, i) => inTx.push({ row: { ...row, attempts: row.attempts + 1 }, ok: true, providerId: delivered[i].providerId }));
      }
      if (network.length) {
        await tx.query(`UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $3 WHERE workspace_id = $1 AND id = ANY($2)`,
          [workspaceId, network.map((r) => r.id), new Date(now.getTime() + LEASE_MS)]);
      }
      await this.record(tx, inTx, now);
      return { network: network.map((r) => ({ ...r, attempts: r.attempts + 1 })), channels, handled: rows.length > 0 && (inTx.length > 0 || network.length > 0) };
    });
    if (claimed.network.length) {
      const results = await this.sendAll(workspaceId, claimed.network, claimed.channels);
      await withTenant(this.ctx.db, workspaceId, (tx) => this.record(tx, results, this.ctx.clock.now()));
    }
    return claimed.handled;
  }

  private message(workspaceId: string, row: Claimed): OutboundMessage {
    return {
      outboxId: row.id, idemKey: row.idem_key, workspaceId, customerId: row.customer_id, channel: row.channel,
      to: row.recipient_enc ? this.ctx.pii.decrypt(row.recipient_enc) : null, subject: row.subject, body: row.body, payload: row.payload,
      unsubscribeUrl: linkUrl(this.ctx.config.publicUrl, this.ctx.pii, { kind: 'u', workspaceId, outboxId: row.id, index: 0 }),
    };
  }

  private async sendAll(workspaceId: string, rows: Claimed[], channels: Map<string, ChannelRow>): Promise<Result[]> {
    const results: Result[] = [];
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        const channel = channels.get(row.channel)!;
        try {
          const provider = providerFor(channel.kind, { allowPrivateOutbound: this.ctx.config.allowPrivateOutbound });
          const r = await provider.send!(this.message(workspaceId, row), settingsOf(channel, this.ctx.pii));
          results.push({ row, ok: true, providerId: r.providerId });
        } catch (err: any) {
          results.push({ row, ok: false, error: String(err?.message ?? err).slice(0, 500), retryable: err instanceof ProviderError ? err.retryable : true });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, worker));
    return results;
  }

  /** Sent rows, retries with backoff, and failures after the last attempt; timeline events for the final outcomes. */
  private async record(tx: TenantTx, results: Result[], now: Date) {
    if (results.length === 0) return;
    const sent = results.filter((r) => r.ok);
    const retry = results.filter((r) => !r.ok && r.retryable && r.row.attempts < MAX_ATTEMPTS);
    const failed = results.filter((r) => !r.ok && !(r.retryable && r.row.attempts < MAX_ATTEMPTS));
    const ws = tx.workspaceId;
    if (sent.length) {
      await tx.query(`UPDATE outbox SET status = 'sent', sent_at = $3, provider_id = u.pid, reason = NULL, next_attempt_at = NULL
                        FROM unnest($2::bigint[], $4::text[]) AS u(id, pid) WHERE workspace_id = $1 AND outbox.id = u.id`,
        [ws, sent.map((r) => r.row.id), now, sent.map((r) => r.providerId ?? null)]);
    }
    if (retry.length) {
      await tx.query(`UPDATE outbox SET reason = u.err, next_attempt_at = u.at FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS u(id, err, at)
                       WHERE workspace_id = $1 AND outbox.id = u.id`,
        [ws, retry.map((r) => r.row.id), retry.map((r) => r.error), retry.map((r) => new Date(now.getTime() + retryDelayMs(r.row.attempts)))]);
    }
    if (failed.length) {
      await tx.query(`UPDATE outbox SET status = 'failed', reason = u.err, next_attempt_at = NULL FROM unnest($2::bigint[], $3::text[]) AS u(id, err)
                       WHERE workspace_id = $1 AND outbox.id = u.id`, [ws, failed.map((r) => r.row.id), failed.map((r) => r.error)]);
    }
    const final = [...sent.map((r) => ({ r, ev: 'message_sent' })), ...failed.map((r) => ({ r, ev: 'message_failed' }))].filter((x) => x.r.row.customer_id != null);
    if (final.length) {
      await appendTimeline(tx, final.map((x) => ({
        key: `msg:${x.r.row.id}:${x.ev}`, customerId: x.r.row.customer_id!, event: x.ev, at: now,
        properties: { outbox_id: x.r.row.id, channel: x.r.row.channel, source_type: x.r.row.source_type, source_id: x.r.row.source_id, template: x.r.row.template_key, error: x.r.error ?? null },
      })),
      );
    }
  }

  /** Takes one send from the channel's allowance for the current second; false when it is used up. */
  private take(workspaceId: string, channel: ChannelRow, now: Date): boolean {
    const key = `${workspaceId}:${channel.channel}`;
    const second = Math.floor(now.getTime() / 1000);
    let b = this.buckets.get(key);
    if (!b || b.second !== second) this.buckets.set(key, (b = { second, used: 0 }));
    if (b.used >= channel.rate_per_second) return false;
    b.used++;
    return true;
  }
}
