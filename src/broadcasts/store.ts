// Broadcasts as operators manage them: created (checked like a journey's send step: the channel has a provider, the
// template exists for that channel with known variables, the segment exists, variant shares add up), paused,
// resumed, cancelled mid-way, and measured from their recipients and outbox rows.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, notFound, type FieldProblem } from '../kernel/errors.ts';
import { loadChannels, SMS_KINDS } from '../messaging/channels.ts';
import { checkTemplate, templatesByKey } from '../messaging/templates.ts';
import type { Broadcast, BroadcastInput, BroadcastStatus } from './definition.ts';

export async function validateBroadcast(tx: TenantTx, b: BroadcastInput): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const channel = (await loadChannels(tx)).get(b.channel);
  if (!channel) problems.push({ field: 'channel', message: `channel "${b.channel}" has no provider configured; set one up under 渠道 (PUT /v1/channels/${b.channel}) first` });
  const t = (await templatesByKey(tx, [b.template])).get(b.template);
  if (!t) problems.push({ field: 'template', message: `no template "${b.template}"` });
  else {
    if (t.channel !== b.channel) problems.push({ field: 'template', message: `template "${b.template}" is for the ${t.channel} channel, not ${b.channel}` });
    if (channel && SMS_KINDS.has(channel.kind) && !t.sms) problems.push({ field: 'template', message: `template "${b.template}" has no SMS template code (sms.templateCode), which ${channel.kind} needs` });
    for (const p of await checkTemplate(tx, t)) problems.push({ field: 'template', message: `template "${t.key}" ${p.field}: ${p.message}` });
    const keys = new Set(['', ...t.variants.map((v) => v.key)]);
    b.variants.forEach((v, i) => {
      if (!keys.has(v.key)) problems.push({ field: `variants.${i}.key`, message: `template "${t.key}" has no variant "${v.key}" (it has ${[...keys].map((k) => k || '""').join(', ')})` });
    });
  }
  if (b.variants.length) {
    const total = b.variants.reduce((s, v) => s + v.percent, 0);
    if (Math.abs(total - 100) > 1e-9) problems.push({ field: 'variants', message: `percentages add up to ${total}, not 100` });
  }
  const seg = await tx.query(`SELECT 1 FROM segments WHERE workspace_id = $1 AND key = $2 AND deleted_at IS NULL`, [tx.workspaceId, b.segment]);
  if (!seg.rows[0]) problems.push({ field: 'segment', message: `unknown segment "${b.segment}"` });
  return problems;
}

export async function createBroadcast(tx: TenantTx, b: BroadcastInput, actor: string, now: Date): Promise<Broadcast> {
  const problems = await validateBroadcast(tx, b);
  if (problems.length) throw new AppError(400, 'invalid_broadcast', `${problems[0].field}: ${problems[0].message}`, problems);
  const { rows } = await tx.query<Broadcast>(
    `INSERT INTO broadcasts (workspace_id, name, channel, template_key, segment, transactional, quiet_hours, rate_per_minute, variants, status, send_at, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, $12, $12) RETURNING *`,
    [tx.workspaceId, b.name, b.channel, b.template, b.segment, b.transactional, b.quietHours, b.ratePerMinute, JSON.stringify(b.variants), b.sendAt ?? now, actor, now],
  );
  return rows[0];
}

export async function getBroadcast(tx: TenantTx, id: number): Promise<Broadcast> {
  const { rows } = await tx.query<Broadcast>(`SELECT * FROM broadcasts WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id]);
  if (!rows[0]) throw notFound(`broadcast ${id}`);
  return rows[0];
}

const MOVES: Record<'pause' | 'resume' | 'cancel', { from: BroadcastStatus[]; to: BroadcastStatus }> = {
  pause: { from: ['scheduled', 'running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['scheduled', 'running', 'paused'], to: 'cancelled' },
};

/**
 * Pause, resume or cancel. Cancelling stops whatever has not gone out: recipients still pending, and their messages
 * still waiting in the outbox (a message a dispatcher is sending at that moment is recorded as it ends).
 */
export async function controlBroadcast(tx: TenantTx, id: number, action: keyof typeof MOVES, now: Date): Promise<Broadcast> {
  const b = await getBroadcast(tx, id);
  const move = MOVES[action];
  if (!move.from.includes(b.status)) throw new AppError(409, 'bad_state', `broadcast ${id} is ${b.status}; it cannot ${action}`, [{ field: 'status', message: `is ${b.status}` }]);
  // A paused broadcast that never started resumes as scheduled, so its audience is still taken when it starts.
  const to = action === 'resume' && b.started_at == null ? 'scheduled' : move.to;
  await tx.query(`UPDATE broadcasts SET status = $3, updated_at = $4, finished_at = CASE WHEN $3 = 'cancelled' THEN $4 ELSE finished_at END,
                         last_batch_at = CASE WHEN $3 = 'running' THEN $4 ELSE last_batch_at END
                   WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, id, to, now]);
  if (action === 'cancel') {
    await tx.query(`UPDATE broadcast_recipients SET status = 'cancelled', reason = 'broadcast_cancelled', updated_at = $3
                     WHERE workspace_id = $1 AND broadcast_id = $2 AND status = 'pending'`, [tx.workspaceId, id, now]);
    await tx.query(`UPDATE outbox SET status = 'suppressed', reason = 'broadcast_cancelled', next_attempt_at = NULL
                     WHERE workspace_id = $1 AND source_type = 'broadcast' AND source_id = $2 AND status = 'queued'`, [tx.workspaceId, String(id)]);
  }
  return getBroadcast(tx, id);
}

/** Progress and results: recipients by status, messages by outcome, opens and clicks, per variant. */
export async function broadcastProgress(tx: TenantTx, id: number) {
  const b = await getBroadcast(tx, id);
  const recipients = await tx.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM broadcast_recipients WHERE workspace_id = $1 AND broadcast_id = $2 GROUP BY 1`, [tx.workspaceId, id]);
  const messages = await tx.query<{ variant: string | null; status: string; reason: string | null; n: number; opened: number; clicked: number }>(
    `SELECT payload->>'variant' AS variant, status, CASE WHEN status IN ('suppressed','failed') THEN split_part(reason, ':', 1) END AS reason,
            count(*)::int AS n, count(opened_at)::int AS opened, count(clicked_at)::int AS clicked
       FROM outbox WHERE workspace_id = $1 AND source_type = 'broadcast' AND source_id = $2 GROUP BY 1, 2, 3`, [tx.workspaceId, String(id)]);
  const byStatus = Object.fromEntries(recipients.rows.map((r) => [r.status, r.n]));
  const out = { queued: 0, sent: 0, failed: 0, suppressed: 0, opened: 0, clicked: 0 };
  const reasons: Record<string, number> = {};
  const variants = new Map<string, { variant: string; sent: number; opened: number; clicked: number }>();
  for (const r of messages.rows) {
    out[r.status as 'queued' | 'sent' | 'failed' | 'suppressed'] += r.n;
    out.opened += r.opened;
    out.clicked += r.clicked;
    if (r.reason) reasons[r.reason] = (reasons[r.reason] ?? 0) + r.n;
    const key = r.variant ?? '';
    const v = variants.get(key) ?? { variant: key, sent: 0, opened: 0, clicked: 0 };
    if (r.status === 'sent') v.sent += r.n;
    v.opened += r.opened;
    v.clicked += r.clicked;
    variants.set(key, v);
  }
  const audience = b.audience_size ?? 0;
  const handled = audience - (byStatus.pending ?? 0);
  return {
    broadcast: b,
    audience,
    recipients: { pending: byStatus.pending ?? 0, queued: byStatus.queued ?? 0, suppressed: byStatus.suppressed ?? 0, cancelled: byStatus.cancelled ?? 0 },
    progress: audience ? handled / audience : b.status === 'completed' ? 1 : 0,
    messages: out,
    suppressedBy: reasons,
    variants: [...variants.values()],
  };
}
