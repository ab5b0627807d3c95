// What moderation answers for one message: a verdict per rule kind (sensitive words, advertising, flooding, abuse),
// each with its findings — a code, a reason in the operator's words, a score and the span of the original text it
// rests on, for highlighting — and a suggested action. The actions are suggestions: the rules layer decides what is done.
import { z } from 'zod';

export const RULE_KINDS = ['sensitive', 'advertising', 'flooding', 'abuse'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** From mildest to strongest; a message's suggested action is the strongest of its verdicts'. */
export const ACTIONS = ['none', 'review', 'notify_owner', 'warn', 'remove', 'blacklist'] as const;
export type Action = (typeof ACTIONS)[number];
export const actionRank = (a: Action) => ACTIONS.indexOf(a);
export const strongest = (a: Action, b: Action): Action => (actionRank(a) >= actionRank(b) ? a : b);

export const SEVERITIES = ['low', 'medium', 'high'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const maxSeverity = (a: Severity | null, b: Severity): Severity => (a === null || SEVERITIES.indexOf(b) > SEVERITIES.indexOf(a) ? b : a);

export const FINDING_CODES = [
  'sensitive_word',
  'brand_word',
  'ad_word',
  'external_link',
  'email',
  'phone_number',
  'wechat_id',
  'contact_solicit',
  'contact_evasion',
  'qr_image',
  'contact_card',
  'mini_program',
  'message_rate',
  'same_text_member',
  'same_text_group',
  'offensive_language',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const SpanSchema = z.object({
  start: z.number().int().describe('UTF-16 offset into the message text, inclusive'),
  end: z.number().int().describe('UTF-16 offset, exclusive'),
  text: z.string(),
});
export type TextSpan = z.infer<typeof SpanSchema>;

export const FindingSchema = z.object({
  code: z.enum(FINDING_CODES),
  reason: z.string().describe('Why, in the operator’s words (zh-CN)'),
  score: z.number(),
  span: SpanSchema.optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

export const VerdictSchema = z.object({
  kind: z.enum(RULE_KINDS),
  flagged: z.boolean(),
  severity: z.enum(SEVERITIES).nullable(),
  score: z.number(),
  findings: z.array(FindingSchema),
  action: z.enum(ACTIONS),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const ModerationResultSchema = z.object({
  messageId: z.string(),
  groupId: z.string(),
  senderId: z.string(),
  flagged: z.boolean(),
  action: z.enum(ACTIONS),
  /** One per rule kind, in RULE_KINDS order. */
  verdicts: z.array(VerdictSchema),
  /** The spans of every finding, merged where they overlap: what the console highlights. */
  highlights: z.array(SpanSchema),
});
export type ModerationResult = z.infer<typeof ModerationResultSchema>;

export function mergeSpans(spans: TextSpan[], text: string): TextSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: TextSpan[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) {
      if (s.end > last.end) {
        last.end = s.end;
        last.text = text.slice(last.start, last.end);
      }
    } else out.push({ ...s });
  }
  return out;
}

export function span(text: string, start: number, end: number): TextSpan {
  return { start, end, text: text.slice(start, end) };
}
