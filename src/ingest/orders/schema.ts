// Orders and refunds. Money is always an integer number of minor units (fen for CNY, cents for USD).
import { z } from 'zod';
import { isoDateTime } from '../../kernel/http/schemas.ts';

export const CURRENCIES = ['CNY', 'HKD', 'TWD', 'MOP', 'USD', 'EUR', 'GBP', 'JPY', 'KRW', 'SGD', 'AUD', 'CAD', 'CHF', 'THB', 'MYR'] as const;

const minor = (what: string) => z.number().int(`${what} must be an integer number of fen/cents`).nonnegative(`${what} must not be negative`);

export const customerRefSchema = z.object({
  user_id: z.union([z.string(), z.number()]).transform(String).optional(),
  anonymous_id: z.string().optional(),
  phone: z.string().optional(),
  email: z.string().optional(),
  member_no: z.union([z.string(), z.number()]).transform(String).optional(),
  unionid: z.string().optional(),
  openid: z.string().optional(),
  openid_app_id: z.string().optional(),
  wecom_external_userid: z.string().optional(),
  douyin_openid: z.string().optional(),
});

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(100),
  name: z.string().max(200).optional(),
  category: z.string().max(100).optional(),
  quantity: z.number().int('quantity must be a whole number').positive('quantity must be at least 1'),
  unit_price: minor('unit_price'),
});

export const orderSchema = z.object({
  order_id: z.string().min(1).max(100),
  /** 'return' records a credit note whose sale is unknown (POS returns, UCI "C" invoices): stored as refunded. */
  kind: z.enum(['sale', 'return']).default('sale'),
  customer: customerRefSchema.optional(),
  amount: minor('amount'),
  currency: z.enum(CURRENCIES, { message: `must be one of ${CURRENCIES.join(', ')}` }).default('CNY'),
  items: z.array(orderItemSchema).max(1000).default([]),
  channel: z.string().max(100).optional(),
  store: z.string().max(100).optional(),
  placed_at: isoDateTime,
  properties: z.record(z.string(), z.unknown()).default({}),
});
export type OrderInput = z.infer<typeof orderSchema>;

export const refundSchema = z.object({
  refund_id: z.string().min(1).max(100),
  amount: z.number().int('amount must be an integer number of fen/cents').positive('amount must be greater than 0'),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int().positive() })).default([]),
  reason: z.string().max(500).optional(),
  refunded_at: isoDateTime.optional(),
});
export type RefundInput = z.infer<typeof refundSchema>;

export const orderViewSchema = z.object({
  order_id: z.string(),
  kind: z.enum(['sale', 'return']),
  customer_id: z.number().nullable(),
  status: z.enum(['paid', 'partially_refunded', 'refunded']),
  currency: z.string(),
  amount: z.number(),
  refunded_amount: z.number(),
  items: z.array(z.unknown()),
  channel: z.string().nullable(),
  store: z.string().nullable(),
  placed_at: z.string(),
  duplicate: z.boolean().optional(),
});
