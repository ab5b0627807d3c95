import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../../kernel/context.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { actorOf, requirePermission } from '../../access/auth.ts';
import { audit } from '../../access/audit.ts';
import { actorName, answer, idParams, reference } from '../http.ts';
import { changeOrder, placeOrder, rewardSchema, rewardView, saveReward } from './mall.ts';
import { rootOf } from '../../identity/roots.ts';

export function registerMallRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/loyalty/mall/rewards', {
    config: { permission: 'customers:read' },
    schema: { tags: ['loyalty'], summary: 'The points mall catalogue with stock and sales', querystring: z.object({ status: z.enum(['active', 'paused']).optional() }) },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const { rows } = await tx.query(`SELECT * FROM mall_rewards WHERE workspace_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY id`, [actor.workspaceId, req.query.status ?? null]);
    return { rewards: rows.map(rewardView) };
  });

  r.post('/v1/loyalty/mall/rewards', {
    config: { permission: 'loyalty:manage', tenantTx: false },
    schema: { tags: ['loyalty'], summary: 'Add a reward: goods or a coupon, for points or points + cash, with stock and a per-member limit', body: rewardSchema },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const reward = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const saved = await saveReward(tx, req.body, ctx.clock.now());
      await audit(tx, actor, 'loyalty.mall_reward', { type: 'mall_reward', id: saved.id }, { name: saved.name });
      return saved;
    });
    return reply.code(201).send(reward);
  });

  r.put('/v1/loyalty/mall/rewards/:id', {
    config: { permission: 'loyalty:manage' },
    schema: { tags: ['loyalty'], summary: 'Change a reward (price, stock, status ...)', params: idParams, body: rewardSchema },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const saved = await saveReward(tx, req.body, ctx.clock.now(), req.params.id);
    await audit(tx, actor, 'loyalty.mall_reward', { type: 'mall_reward', id: saved.id }, { name: saved.name });
    return saved;
  });

  r.post('/v1/loyalty/mall/orders', {
    config: { permission: 'loyalty:operate', tenantTx: false },
    schema: {
      tags: ['loyalty'], summary: 'Redeem a reward: points are spent (or held until the cash part is paid); idempotent by reference',
      body: z.object({ customer_id: z.number().int().positive(), reward_id: z.number().int().positive(), quantity: z.number().int().min(1).max(100).default(1), reference }),
    },
  }, async (req, reply) => {
    const actor = actorOf(req);
    const order = await withTenant(ctx.db, actor.workspaceId, async (tx) =>
      placeOrder(tx, await rootOf(tx, req.body.customer_id), req.body.reward_id, req.body.quantity, req.body.reference, ctx.clock.now()));
    if (!order.duplicate) ctx.changes.customersChanged(actor.workspaceId, [order.customer_id]);
    return answer(reply, order);
  });

  r.get('/v1/loyalty/mall/orders', {
    config: { permission: 'customers:read' },
    schema: {
      tags: ['loyalty'], summary: 'Mall orders, newest first',
      querystring: z.object({ customer_id: z.coerce.number().int().positive().optional(), status: z.enum(['pending_payment', 'paid', 'fulfilled', 'cancelled', 'refunded']).optional() }),
    },
  }, async (req) => {
    const actor = actorOf(req);
    const tx = req.tx;
    const root = req.query.customer_id ? await rootOf(tx, req.query.customer_id) : null;
    const { rows } = await tx.query(
      `SELECT o.*, r.name AS reward FROM mall_orders o JOIN mall_rewards r ON r.workspace_id = o.workspace_id AND r.id = o.reward_id
        WHERE o.workspace_id = $1 AND ($2::bigint IS NULL OR o.customer_id IN (SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = $2))
          AND ($3::text IS NULL OR o.status = $3) ORDER BY o.id DESC LIMIT 200`,
      [actor.workspaceId, root, req.query.status ?? null],
    );
    return { orders: rows.map((o: any) => ({ id: Number(o.id), reward: o.reward, rewardId: Number(o.reward_id), customerId: Number(o.customer_id), quantity: o.quantity, points: Number(o.points), cash: Number(o.cash), status: o.status, reference: o.reference, createdAt: o.created_at, updatedAt: o.updated_at })) };
  });

  for (const action of ['pay', 'fulfil', 'cancel', 'refund'] as const) {
    r.post(`/v1/loyalty/mall/orders/:id/${action}`, {
      config: { permission: action === 'refund' ? 'loyalty:manage' : 'loyalty:operate', tenantTx: false },
      schema: {
        tags: ['loyalty'], params: idParams,
        summary: { pay: 'The cash part was paid: the held points are spent', fulfil: 'The goods were shipped', cancel: 'Cancel an unpaid order: points and stock return', refund: 'Refund a paid order: points and stock return, its unused coupons are cancelled' }[action],
      },
    }, async (req) => {
      const actor = actorOf(req);
      const order = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
        const o = await changeOrder(tx, req.params.id, action, ctx.clock.now(), actorName(actor));
        if (action === 'refund' && !o.duplicate) await audit(tx, actor, 'loyalty.mall_refund', { type: 'mall_order', id: o.id }, { points: o.points });
        return o;
      });
      if (!order.duplicate) ctx.changes.customersChanged(actor.workspaceId, [order.customer_id]);
      return order;
    });
  }
}
