// The group message as moderation receives it. The WeCom intake (src/wecom) fills it from the session archive or a
// callback; tests and the simulator build it directly. One schema serves validation, the OpenAPI document and the
// console's types.
import { z } from 'zod';

export const MESSAGE_TYPES = ['text', 'image', 'link', 'miniprogram', 'card', 'file', 'voice', 'video', 'emotion', 'other'] as const;

export const GroupMessageSchema = z.object({
  id: z.string().min(1).max(200).describe('Message id from WeCom (msgid), unique per group'),
  groupId: z.string().min(1).max(200).describe('Customer group chat id (chat_id)'),
  senderId: z.string().min(1).max(200).describe('external_userid of a customer or userid of a staff member'),
  senderRole: z.enum(['customer', 'staff']).default('customer').describe('Staff messages are not checked for advertising or flooding by default'),
  sentAt: z.number().int().nonnegative().describe('Send time, epoch milliseconds (msgtime)'),
  type: z.enum(MESSAGE_TYPES),
  text: z
    .string()
    .max(100_000)
    .default('')
    .describe('What members read: the text of a text message, the title and description of a link, the title of a mini-program, a file name. Spans in verdicts are offsets into this string'),
  link: z.object({ url: z.string().max(4096) }).optional().describe('For link messages'),
  image: z
    .object({
      qrCode: z
        .object({ content: z.string().max(4096).optional().describe('Decoded payload, when known') })
        .optional()
        .describe('Set when the image holds a QR code (marked by the WeCom side or found by the intake)'),
    })
    .optional(),
  miniProgram: z.object({ appId: z.string().max(200) }).optional().describe('For mini-program messages'),
  card: z.object({ kind: z.enum(['personal', 'corp']).default('personal') }).optional().describe('For shared contact cards (名片)'),
});

export type GroupMessage = z.infer<typeof GroupMessageSchema>;
/** What callers may pass: defaults (role customer, empty text) filled in by the schema. */
export type GroupMessageInput = z.input<typeof GroupMessageSchema>;
