// A workspace's send policy: how often a customer may be messaged per channel, the quiet hours, the time zone used
// when a customer has none, and whether "never asked" counts as consent for marketing.
import { z } from 'zod';
import type { TenantTx } from '../kernel/tenant.ts';
import { isValidTimeZone } from '../kernel/time.ts';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');

export const policySchema = z.object({
  timezone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Asia/Shanghai').default('Asia/Shanghai'),
  /** Marketing messages between start and end (local time) wait or are dropped; transactional ones are not held. */
  quietHours: z.object({ start: clockTime, end: clockTime }).nullable().default({ start: '21:00', end: '09:00' }),
  /** At most `max` marketing messages per customer per channel within `days` (channel '*' = all channels together). */
  frequencyCaps: z.array(z.object({ channel: z.string().min(1).max(50), max: z.number().int().min(1).max(1000), days: z.number().int().min(1).max(90) })).max(20)
    .default([{ channel: '*', max: 3, days: 1 }, { channel: '*', max: 10, days: 7 }]),
  /** 'opt_in': marketing needs a granted consent row (PIPL default); 'opt_out': allowed unless revoked. */
  consentDefault: z.enum(['opt_in', 'opt_out']).default('opt_in'),
});
export type SendPolicy = z.infer<typeof policySchema>;

export const DEFAULT_POLICY: SendPolicy = policySchema.parse({});

export async function loadPolicy(tx: TenantTx): Promise<SendPolicy> {
  const { rows } = await tx.query<{ policy: unknown }>(`SELECT policy FROM send_policies WHERE workspace_id = $1`, [tx.workspaceId]);
  return rows[0] ? policySchema.parse(rows[0].policy) : DEFAULT_POLICY;
}

export async function savePolicy(tx: TenantTx, policy: SendPolicy, now: Date) {
  await tx.query(
    `INSERT INTO send_policies (workspace_id, policy, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at`,
    [tx.workspaceId, JSON.stringify(policy), now],
  );
}
