import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { actorOf } from '../../access/auth.ts';
import { unstorable } from '../../kernel/storable-json.ts';
import { getOrder, recordOrders, recordRefund } from './orders.ts';
import { orderSchema, orderViewSchema, refundSchema } from './schema.ts';

const warnings = z.array(z.object({ field: z.string(), message: z.string() }));

export function registerOrderRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Orders come from back ends (POS, e-commerce), so both a write key and a secret key are accepted.
  r.post('/v1/orders', {
    config: { permission: 'tracking' },
    schema: {
      tags: ['orders'], summary: 'Record a paid order (idempotent by order_id)',
      body: orderSchema, response: { 200: z.object({ order: orderViewSchema, warnings }) },
    },
  }, async (req) => {
    const changed: number[] = [];
    const [answer] = await withTenant(ctx.db, actorOf(req).workspaceId, (tx) => recordOrders(ctx, tx, [req.body], 'order', changed));
    ctx.changes.customersChanged(actorOf(req).workspaceId, changed);
    return { order: answer.order!, warnings: answer.warnings };
  });

  r.post('/v1/orders/batch', {
    config: { permission: 'tracking', checkEachItem: true },
    schema: {
      tags: ['orders'], summary: 'Record up to 1000 orders; answered per item',
      body: z.object({ orders: z.array(z.unknown()).min(1).max(1000) }),
      response: { 200: z.object({ results: z.array(z.object({ index: z.number(), status: z.enum(['stored', 'duplicate', 'rejected']), order: orderViewSchema.optional(), errors: warnings.optional(), warnings: warnings.optional() })) }) },
    },
  }, async (req) => {
    const parsed = req.body.orders.map((raw, index) => ({ index, parsed: orderSchema.safeParse(raw), refused: unstorable(raw, `orders.${index}`) }));
    const valid = parsed.filter((p) => p.parsed.success && !p.refused);
    const changed: number[] = [];
    const answers = valid.length
      ? await withTenant(ctx.db, actorOf(req).workspaceId, (tx) => recordOrders(ctx, tx, valid.map((v) => v.parsed.data!), 'order', changed))
      : [];
    ctx.changes.customersChanged(actorOf(req).workspaceId, changed);
    const byIndex = new Map(valid.map((v, i) => [v.index, answers[i]]));
    return {
      results: parsed.map(({ index, parsed: p, refused }) => {
        if (refused) return { index, status: 'rejected' as const, errors: [refused] };
        if (!p.success) return { index, status: 'rejected' as const, errors: p.error.issues.map((i) => ({ field: `orders.${index}.${i.path.join('.')}`, message: i.message })) };
        const a = byIndex.get(index)!;
        return { index, status: a.order?.duplicate ? ('duplicate' as const) : ('stored' as const), order: a.order, warnings: a.warnings };
      }),
    };
  });

  r.get('/v1/orders/:orderId', {
    config: { permission: 'customers:read', tenantTx: false },
    schema: { tags: ['orders'], summary: 'Read an order', params: z.object({ orderId: z.string() }), response: { 200: orderViewSchema } },
  }, async (req) => withTenant(ctx.db, actorOf(req).workspaceId, (tx) => getOrder(tx, req.params.orderId)));

  r.post('/v1/orders/:orderId/refunds', {
    config: { permission: 'tracking' },
    schema: {
      tags: ['orders'], summary: 'Refund all or part of an order (idempotent by refund_id)',
      params: z.object({ orderId: z.string() }), body: refundSchema,
      response: { 200: z.object({ order: orderViewSchema, duplicate: z.boolean() }) },
    },
  }, async (req) => {
    const result = await withTenant(ctx.db, actorOf(req).workspaceId, (tx) => recordRefund(ctx, tx, req.params.orderId, req.body));
    if (result.order.customer_id !== null) ctx.changes.customersChanged(actorOf(req).workspaceId, [result.order.customer_id]);
    return result;
  });
}
