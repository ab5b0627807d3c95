// Computed traits: per-customer aggregates over events or orders, optionally filtered by properties and limited to
// a sliding window ("sports-category views in the last 30 days"). Operators define them; the engine maintains them.
import { z } from 'zod';

export const AGGREGATES = ['count', 'sum', 'min', 'max', 'avg', 'distinct_count', 'first_value', 'last_value', 'first_time', 'last_time'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

const NEEDS_PROPERTY: Aggregate[] = ['sum', 'min', 'max', 'avg', 'distinct_count', 'first_value', 'last_value'];
export const ORDER_PROPERTIES = ['amount', 'channel', 'store', 'currency'] as const;

export const traitDefinitionSchema = z
  .object({
    source: z.enum(['events', 'orders']),
    event: z.string().min(1).max(200).optional(),
    where: z
      .array(z.object({ property: z.string().min(1).max(100), op: z.enum(['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'contains']), value: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]) }))
      .max(10)
      .default([]),
    aggregate: z.enum(AGGREGATES),
    property: z.string().min(1).max(100).optional(),
    windowDays: z.number().int().min(1).max(3650).nullable().default(null),
  })
  .superRefine((d, ctx) => {
    if (d.source === 'events' && !d.event) ctx.addIssue({ code: 'custom', path: ['event'], message: 'is required for event traits (which event to aggregate)' });
    if (NEEDS_PROPERTY.includes(d.aggregate) && !d.property) ctx.addIssue({ code: 'custom', path: ['property'], message: `is required for ${d.aggregate}` });
    if (d.source === 'orders' && d.property && !(ORDER_PROPERTIES as readonly string[]).includes(d.property)) {
      ctx.addIssue({ code: 'custom', path: ['property'], message: `orders have ${ORDER_PROPERTIES.join(', ')}` });
    }
  });
export type TraitDefinition = z.infer<typeof traitDefinitionSchema>;

export function valueType(d: TraitDefinition): 'number' | 'string' | 'time' {
  if (d.aggregate === 'first_time' || d.aggregate === 'last_time') return 'time';
  if (d.aggregate === 'first_value' || d.aggregate === 'last_value') return 'string';
  return 'number';
}
