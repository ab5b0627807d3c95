// The one send gate every message passes, from journeys, broadcasts and staff alike: marketing consent per channel,
// frequency caps per customer and channel, and quiet hours in the customer's own time zone. Transactional messages
// (order notices, verification codes) skip consent, caps and quiet hours, and say so on the outbox row.
import type { TenantTx } from '../kernel/tenant.ts';
import type { SendPolicy } from './policy.ts';
import { consentsFor } from './consent.ts';
import { quietUntil } from './quiet-hours.ts';

export interface GateItem {
  customerId: number;
  channel: string;
  transactional: boolean;
  timeZone: string;
}

export type GateDecision = { ok: true } | { ok: false; reason: 'no_consent' | 'frequency_cap' } | { ok: false; reason: 'quiet_hours'; until: Date };

const DAY = 86_400_000;

/**
 * Decides for a batch, in order: items earlier in the batch count towards later items' caps, so a batch cannot
 * send a customer three messages when the cap is two.
 */
export async function gate(tx: TenantTx, policy: SendPolicy, items: GateItem[], now: Date): Promise<GateDecision[]> {
  const marketing = items.filter((i) => !i.transactional);
  if (marketing.length === 0) return items.map(() => ({ ok: true }));
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
    const until = quietUntil(now, policy.quietHours, item.timeZone);
    if (until) return { ok: false, reason: 'quiet_hours', until };
    sent.push({ channel: item.channel, at: now.getTime() });
    recent.set(item.customerId, sent);
    return { ok: true };
  });
}
