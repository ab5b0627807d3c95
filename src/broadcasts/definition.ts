// What an operator asks for when creating a broadcast (群发): a template to a segment, now or at a set time, at a
// throttled rate, optionally as an A/B test of the template's variants.
import { z } from 'zod';

export const broadcastSchema = z.object({
  name: z.string().min(1).max(200),
  channel: z.string().regex(/^[a-z0-9_-]{1,50}$/, 'lower-case letters, digits, _ or -'),
  template: z.string().min(1).max(64),
  segment: z.string().min(1).max(100),
  /** Omitted: start now. */
  sendAt: z.coerce.date().optional(),
  /** Messages per minute at most; the channel's own per-second limit applies on top. */
  ratePerMinute: z.number().int().min(1).max(1_000_000).default(6000),
  transactional: z.boolean().default(false),
  /** In a recipient's quiet hours: queue for when they end (defer), or do not send (drop). */
  quietHours: z.enum(['defer', 'drop']).default('defer'),
  /** A/B test: template variant keys ('' = the template's main text) with the share of the audience each gets. */
  variants: z.array(z.object({ key: z.string().max(32), percent: z.number().min(0).max(100) })).max(6).default([]),
});
export type BroadcastInput = z.infer<typeof broadcastSchema>;

export type BroadcastStatus = 'scheduled' | 'running' | 'paused' | 'cancelled' | 'completed';

export interface Broadcast {
  id: number;
  name: string;
  channel: string;
  template_key: string;
  segment: string;
  transactional: boolean;
  quiet_hours: 'defer' | 'drop';
  rate_per_minute: number;
  variants: { key: string; percent: number }[];
  status: BroadcastStatus;
  send_at: Date;
  audience_size: number | null;
  last_batch_at: Date | null;
  created_by: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}
