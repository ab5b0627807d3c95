// The broadcast worker. A due broadcast takes its audience (the segment's members at that moment) as pending
// recipients in one statement; then batches of pending recipients go through the send gate into the outbox, each
// batch in one transaction with the recipients' new status, so a crash redoes a batch under the same idempotency
// keys (b:<broadcast>:<customer>) and nobody gets the message twice. The throttle is persistent: a batch may take
// rate × (time since the last batch), so restarts and several worker processes keep to the rate together.
import crypto from 'node:crypto';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import { enqueueMessages, type MessageRequest } from '../messaging/outbox.ts';
import { loadPolicy } from '../messaging/policy.ts';
import { loadChannels } from '../messaging/channels.ts';
import { templatesByKey } from '../messaging/templates.ts';
import type { Broadcast } from './definition.ts';

const MAX_BATCH = 1000;
/** At most this much unused allowance carries over (a paused or idle broadcast does not burst on resume). */
const MAX_CARRY_BATCHES = 1;

export class BroadcastWorker extends PollingWorker {
  constructor(private readonly ctx: AppContext, pollMs = 500) {
    super('broadcasts', ctx.log, { pollMs });
  }

  async runOnce(): Promise<boolean> {
    const now = this.ctx.clock.now();
    const { rows } = await this.ctx.db.query<{ workspace_id: string }>(
      `SELECT DISTINCT workspace_id FROM broadcasts WHERE status IN ('scheduled','running') AND send_at <= $1`, [now]);
    let worked = false;
    for (const { workspace_id } of rows) worked = (await this.runWorkspace(workspace_id)) || worked;
    return worked;
  }

  /** Starts due broadcasts and sends one batch of each running one; true when something was done. */
  async runWorkspace(workspaceId: string): Promise<boolean> {
    const now = this.ctx.clock.now();
    const started = await withTenant(this.ctx.db, workspaceId, (tx) => startDue(tx, now));
    const { rows } = await this.ctx.db.query<{ id: number }>(
      `SELECT id FROM broadcasts WHERE workspace_id = $1 AND status = 'running' ORDER BY id`, [workspaceId]);
    let sent = 0;
    for (const { id } of rows) sent += await withTenant(this.ctx.db, workspaceId, (tx) => sendBatch(this.ctx, tx, id, this.ctx.clock.now()));
    if (sent > 0) this.ctx.changes.messagesQueued(workspaceId);
    return started > 0 || sent > 0;
  }

  /** Everything due now, until nothing moves (tests with a manual clock; the throttle still applies). */
  async drain(workspaceId: string, rounds = 10_000) {
    for (let i = 0; i < rounds && (await this.runWorkspace(workspaceId)); i++) {}
  }
}

/** Due scheduled broadcasts take their audience and start running; returns how many started. */
async function startDue(tx: TenantTx, now: Date): Promise<number> {
  const { rows } = await tx.query<Broadcast>(
    `SELECT * FROM broadcasts WHERE workspace_id = $1 AND status = 'scheduled' AND send_at <= $2 ORDER BY send_at FOR UPDATE SKIP LOCKED`, [tx.workspaceId, now]);
  for (const b of rows) {
    const { rowCount } = await tx.query(
      `INSERT INTO broadcast_recipients (workspace_id, broadcast_id, customer_id, status, variant, updated_at)
       SELECT $1, $2, m.customer_id, 'pending', NULL, $3
         FROM segment_members m JOIN segments s ON s.workspace_id = m.workspace_id AND s.id = m.segment_id
        WHERE m.workspace_id = $1 AND s.key = $4 AND s.deleted_at IS NULL
       ON CONFLICT DO NOTHING`,
      [tx.workspaceId, b.id, now, b.segment],
    );
    // The throttle's clock starts one batch's worth back, so the first batch goes out at once.
    const head = Math.min(MAX_BATCH, b.rate_per_minute) * (60_000 / b.rate_per_minute);
    await tx.query(
      `UPDATE broadcasts SET status = 'running', audience_size = $3, started_at = $4, last_batch_at = $5, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
      [tx.workspaceId, b.id, rowCount, now, new Date(now.getTime() - head)],
    );
  }
  return rows.length;
}

/** One throttled batch of a running broadcast; returns how many recipients it handled. */
async function sendBatch(ctx: AppContext, tx: TenantTx, id: number, now: Date): Promise<number> {
  const { rows } = await tx.query<Broadcast>(`SELECT * FROM broadcasts WHERE workspace_id = $1 AND id = $2 AND status = 'running' FOR UPDATE SKIP LOCKED`, [tx.workspaceId, id]);
  const b = rows[0];
  if (!b) return 0;
  const left = await tx.query(`SELECT 1 FROM broadcast_recipients WHERE workspace_id = $1 AND broadcast_id = $2 AND status = 'pending' LIMIT 1`, [tx.workspaceId, id]);
  if (!left.rows[0]) {
    await tx.query(`UPDATE broadcasts SET status = 'completed', finished_at = $3, updated_at = $3 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id, now]);
    return 1;
  }
  const msPerMessage = 60_000 / b.rate_per_minute;
  const earliest = now.getTime() - MAX_CARRY_BATCHES * MAX_BATCH * msPerMessage;
  const since = Math.max(new Date(b.last_batch_at ?? now).getTime(), earliest);
  const allowance = Math.min(MAX_BATCH, Math.floor((now.getTime() - since) / msPerMessage));
  if (allowance < 1) return 0;

  const pending = await tx.query<{ customer_id: number; row: string }>(
    `SELECT customer_id, ctid::text AS row FROM broadcast_recipients WHERE workspace_id = $1 AND broadcast_id = $2 AND status = 'pending'
      ORDER BY customer_id LIMIT $3 FOR UPDATE SKIP LOCKED`, [tx.workspaceId, id, allowance]);
  if (pending.rows.length === 0) return 0; // another process holds the rest
  const customers = pending.rows.map((r) => r.customer_id);
  const variants = customers.map((c) => pickVariant(b, c));
  const reqs: MessageRequest[] = customers.map((c, i) => ({
    idemKey: `b:${id}:${c}`, customerId: c, channel: b.channel, templateKey: b.template_key, variant: variants[i] || null,
    transactional: b.transactional, source: { type: 'broadcast', id: String(id) },
  }));
  const outcomes = await enqueueMessages(ctx, tx, reqs, now, {
    quiet: b.quiet_hours, policy: await loadPolicy(tx), channels: await loadChannels(tx), templates: await templatesByKey(tx, [b.template_key]),
  });
  const status: string[] = [];
  const outbox: (number | null)[] = [];
  const reasons: (string | null)[] = [];
  outcomes.forEach((o) => {
    // 'held' does not happen here: broadcasts defer or drop in quiet hours, they never wait in place.
    status.push(o.status === 'suppressed' ? 'suppressed' : 'queued');
    outbox.push('outboxId' in o ? o.outboxId : null);
    reasons.push(o.status === 'suppressed' ? o.reason : null);
  });
  // The batch's rows are addressed by the row ids read under FOR UPDATE (they cannot move while we hold the lock).
  // By key, PostgreSQL planned from statistics taken before the audience was inserted and fetched every recipient
  // of the broadcast for each batch of 500: 0.5 s a batch at a million.
  await tx.query(
    `UPDATE broadcast_recipients r SET status = u.s, outbox_id = u.o, reason = u.r, variant = u.v, updated_at = $3
       FROM unnest($4::tid[], $5::text[], $6::bigint[], $7::text[], $8::text[]) AS u(t, s, o, r, v)
      WHERE r.ctid = ANY($4::tid[]) AND r.ctid = u.t AND r.workspace_id = $1 AND r.broadcast_id = $2`,
    [tx.workspaceId, id, now, pending.rows.map((r) => r.row), status, outbox, reasons, variants],
  );
  await tx.query(`UPDATE broadcasts SET last_batch_at = $3, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
    [tx.workspaceId, id, new Date(since + customers.length * msPerMessage), now]);
  return customers.length;
}

/** A/B assignment by broadcast and customer: the same customer always gets the same variant. */
function pickVariant(b: Broadcast, customerId: number): string {
  if (b.variants.length === 0) return '';
  const h = crypto.createHash('sha1').update(`${b.id}:${customerId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  let acc = 0;
  for (const v of b.variants) {
    acc += v.percent / 100;
    if (h < acc) return v.key;
  }
  return b.variants[b.variants.length - 1].key;
}
