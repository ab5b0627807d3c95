// Consent per customer, channel and purpose. Every change is also a consent_changed event on the customer's
// timeline (who, how, when), written in the same transaction.
import type { TenantTx } from '../kernel/tenant.ts';
import { appendTimeline } from '../customers/timeline.ts';

export interface ConsentChange {
  customerId: number;
  channel: string;
  purpose?: string;
  granted: boolean;
  source: string;
}

export async function setConsents(tx: TenantTx, changes: ConsentChange[], now: Date): Promise<number> {
  if (changes.length === 0) return 0;
  const purpose = changes.map((c) => c.purpose ?? 'marketing');
  const { rows } = await tx.query<{ customer_id: number; channel: string; purpose: string; granted: boolean; source: string }>(
    `INSERT INTO consents (workspace_id, customer_id, channel, purpose, granted, source, updated_at)
     SELECT $1, u.cid, u.ch, u.p, u.g, u.s, $7 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::boolean[], $6::text[]) AS u(cid, ch, p, g, s)
     ON CONFLICT (workspace_id, customer_id, channel, purpose) DO UPDATE SET granted = EXCLUDED.granted, source = EXCLUDED.source, updated_at = EXCLUDED.updated_at
       WHERE consents.granted IS DISTINCT FROM EXCLUDED.granted
     RETURNING customer_id, channel, purpose, granted, source`,
    [tx.workspaceId, changes.map((c) => c.customerId), changes.map((c) => c.channel), purpose, changes.map((c) => c.granted), changes.map((c) => c.source), now],
  );
  if (rows.length) {
    await appendTimeline(tx, rows.map((r) => ({
      key: `consent:${r.customer_id}:${r.channel}:${r.purpose}:${now.getTime()}`, customerId: r.customer_id, event: 'consent_changed', at: now,
      properties: { channel: r.channel, purpose: r.purpose, granted: r.granted, source: r.source },
    })));
  }
  return rows.length;
}

/** Consent state for (customer, channel) pairs: true granted, false revoked, absent = never asked. */
export async function consentsFor(tx: TenantTx, customerIds: number[], channels: string[], purpose = 'marketing'): Promise<Map<string, boolean>> {
  const { rows } = await tx.query<{ customer_id: number; channel: string; granted: boolean }>(
    `SELECT customer_id, channel, granted FROM consents WHERE workspace_id = $1 AND customer_id = ANY($2) AND channel = ANY($3) AND purpose = $4`,
    [tx.workspaceId, customerIds, channels, purpose],
  );
  return new Map(rows.map((r) => [`${r.customer_id}:${r.channel}`, r.granted]));
}
