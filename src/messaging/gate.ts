// The one send gate every message passes, from journeys, broadcasts and staff alike: marketing consent per channel,
// frequency caps per customer and channel, the channel's daily quota, and quiet hours in the customer's own time
// zone. Transactional messages (order notices, verification codes) skip consent, caps, quotas and quiet hours, and
// say so on the outbox row.
import type { TenantTx } from '../kernel/tenant.ts';
import type { SendPolicy } from './policy.ts';
import { consentsFor } from './consent.ts';
import { quietUntil } from './quiet-hours.ts';
import { localDate } from '../kernel/time.ts';

export interface GateItem {
  customerId: number;
  channel: string;
  transactional: boolean;
  timeZone: string;
}

export type GateDecision = { ok: true } | { ok: false; reason: 'no_consent' | 'frequency_cap' | 'channel_quota' } | { ok: false; reason: 'quiet_hours'; until: Date };

const DAY = 86_400_000;

/** The day a channel's quota counts in: the workspace's local calendar day. */
export function quotaDay(now: Date, policy: SendPolicy): string {
  const d = localDate(now, policy.timezone);
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/**
 * Decides for a batch, in order: items earlier in the batch count towards later items' caps and the channel's
 * quota, so a batch cannot send a customer three messages when the cap is two. `quotas` are the daily quotas of
 * the channels that have one.
 */
export async function gate(tx: TenantTx, policy: SendPolicy, items: GateItem[], now: Date, quotas: Map<string, number> = new Map()): Promise<GateDecision[]> {
  const marketing = items.filter((i) => !i.transactional);
  if (marketing.length === 0) return items.map(() => ({ ok: true }));
  const left = new Map<string, number>();
  const limited = [...new Set(marketing.map((i) => i.channel))].filter((c) => quotas.has(c));
  if (limited.length) {
    const { rows } = await tx.query<{ channel: string; queued: number }>(
      `SELECT channel, queued FROM channel_daily_usage WHERE workspace_id = $1 AND channel = ANY($2) AND day = $3`, [tx.workspaceId, limited, quotaDay(now, policy)]);
    const used = new Map(rows.map((r) => [r.channel, r.queued]));
    for (const c of limited) left.set(c, quotas.get(c)! - (used.get(c) ?? 0));
  }
  const ids = [...new Set(marketing.map((i) => i.customerId))];
  const channels = [...new Set(marketing.map((i) => i.channel))];
  const consent = await consentsFor(tx, ids, channels);
  const longest = Math.max(0, ...policy.frequencyCaps.map((c) => c.days));
  const recent = new Map<number, { channel: string; at: number }[]>();
  if (longest > 0) {
    const { rows } = await tx.query<{ customer_id: number; channel: string; created_at: Date }>(
      `SELECT customer_id, channel, created_at FROM outbox
        WHERE workspace_id = $1 AND customer_id = ANY($2) AND status IN ('queued','sent') AND NOT transactional AND created_at > $3`,
      [tx.workspaceId, ids, new Date(now.getTime() - longest * DAY)],
    );
    for (const r of rows) {
      const list = recent.get(r.customer_id) ?? [];
      list.push({ channel: r.channel, at: new Date(r.created_at).getTime() });
      recent.set(r.customer_id, list);
    }
  }
  return items.map((item) => {
    if (item.transactional) return { ok: true };
    const granted = consent.get(`${item.customerId}:${item.channel}`);
    if (granted === false || (granted === undefined && policy.consentDefault === 'opt_in')) return { ok: false, reason: 'no_consent' };
    const sent = recent.get(item.customerId) ?? [];
    for (const cap of policy.frequencyCaps) {
      const since = now.getTime() - cap.days * DAY;
      const n = sent.filter((s) => s.at > since && (cap.channel === '*' || s.channel === cap.channel)).length;
      if (n >= cap.max && (cap.channel === '*' || cap.channel === item.channel)) return { ok: false, reason: 'frequency_cap' };
    }
    const remaining = left.get(item.channel);
    if (remaining !== undefined && remaining <= 0) return { ok: false, reason: 'channel_quota' };
    const until = quietUntil(now, policy.quietHours, item.timeZone);
    if (until) return { ok: false, reason: 'quiet_hours', until };
    if (remaining !== undefined) left.set(item.channel, remaining - 1);
    sent.push({ channel: item.channel, at: now.getTime() });
    recent.set(item.customerId, sent);
    return { ok: true };
  });
}
