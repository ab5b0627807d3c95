// The knobs of moderation, with defaults meant for a brand's customer groups: which action each severity suggests,
// thresholds of the classifier and the flooding windows, and what the brand itself posts (its own domains and
// mini-programs are not advertising). The rules layer stores a brand's policy; the engine only reads it.
import { z } from 'zod';
import { ACTIONS } from './verdict.ts';

const ActionSchema = z.enum(ACTIONS);
const ActionBySeverity = z.object({ low: ActionSchema, medium: ActionSchema, high: ActionSchema });

export const ModerationPolicySchema = z.object({
  /** The action each severity suggests, per rule kind. */
  actions: z.object({ sensitive: ActionBySeverity, advertising: ActionBySeverity, flooding: ActionBySeverity, abuse: ActionBySeverity }),
  /** Staff post links and repeat announcements: only their words are checked. */
  exemptStaff: z.boolean(),
  abuse: z.object({
    /** Probability from which a message is flagged (low), and from which it is medium and high. */
    low: z.number().min(0).max(1),
    medium: z.number().min(0).max(1),
    high: z.number().min(0).max(1),
  }),
  flooding: z.object({
    rateWindowSeconds: z.number().int().min(1).max(3600),
    /** More messages than this from one member in the window is flooding. */
    rateLimit: z.number().int().min(1).max(1000),
    repeatWindowSeconds: z.number().int().min(1).max(86_400),
    /** The same text this many times from one member in the window. */
    memberRepeats: z.number().int().min(2).max(100),
    /** The same text from this many different members in the window (a spam ring, or a 接龙 when short). */
    groupRepeats: z.number().int().min(2).max(1000),
    /** Texts shorter than this (in letters and digits) are never repeats: 好的, 收到, +1, 1. */
    minRepeatLength: z.number().int().min(1).max(100),
    /** Shorter texts do not count across members: many customers ask 什么时候发货呀 in the very same words. */
    minGroupRepeatLength: z.number().int().min(1).max(200),
  }),
  allowedDomains: z.array(z.string().min(1).max(253)).max(200),
  allowedMiniPrograms: z.array(z.string().min(1).max(200)).max(200),
});
export type ModerationPolicy = z.infer<typeof ModerationPolicySchema>;

export const DEFAULT_POLICY: ModerationPolicy = {
  actions: {
    sensitive: { low: 'review', medium: 'warn', high: 'remove' },
    advertising: { low: 'review', medium: 'warn', high: 'remove' },
    flooding: { low: 'warn', medium: 'warn', high: 'remove' },
    abuse: { low: 'review', medium: 'notify_owner', high: 'warn' },
  },
  exemptStaff: true,
  // On COLD (half offensive) 0.5 is the balanced threshold; real groups have few offensive messages, so the
  // default flags only confident ones (see bench/community.ts for precision and recall at these thresholds).
  abuse: { low: 0.7, medium: 0.85, high: 0.95 },
  flooding: { rateWindowSeconds: 60, rateLimit: 10, repeatWindowSeconds: 600, memberRepeats: 3, groupRepeats: 4, minRepeatLength: 4, minGroupRepeatLength: 10 },
  allowedDomains: [],
  allowedMiniPrograms: [],
};

export function policyWith(overrides: Partial<ModerationPolicy> = {}): ModerationPolicy {
  return {
    ...DEFAULT_POLICY,
    ...overrides,
    actions: { ...DEFAULT_POLICY.actions, ...overrides.actions },
    abuse: { ...DEFAULT_POLICY.abuse, ...overrides.abuse },
    flooding: { ...DEFAULT_POLICY.flooding, ...overrides.flooding },
  };
}
