// Orders reach journeys as order_completed / order_refunded inbox events (triggers, goals, exits, waits), written in
// the order's own transaction. They go to the journey inbox only, not the events table: the timeline shows orders
// from the orders table already.
import type { OrderHook } from '../ingest/orders/hooks.ts';
import type { TenantTx } from '../kernel/tenant.ts';

async function toInbox(tx: TenantTx, event: string, items: { customerId: number; properties: Record<string, unknown>; ts: string }[]) {
  if (items.length === 0) return;
  await tx.query(
    `INSERT INTO journey_inbox (workspace_id, event_id, customer_id, event, properties, ts)
     SELECT $1, 0, u.c, $2, u.p, u.ts FROM unnest($3::bigint[], $4::jsonb[], $5::timestamptz[]) AS u(c, p, ts)
      WHERE EXISTS (SELECT 1 FROM journey_listens l WHERE l.workspace_id = $1 AND l.event = $2)`,
    [tx.workspaceId, event, items.map((i) => i.customerId), items.map((i) => JSON.stringify(i.properties)), items.map((i) => i.ts)],
  );
}

export const journeyOrderHook: OrderHook = {
  async ordersRecorded(tx, orders) {
    const sales = orders.filter((o) => o.kind === 'sale' && o.customer_id != null);
    await toInbox(tx, 'order_completed', sales.map((o) => ({
      customerId: o.customer_id!, ts: o.placed_at,
      properties: { order_id: o.order_id, amount: o.amount, currency: o.currency, channel: o.channel, store: o.store, items: o.items.length },
    })));
  },
  async refundRecorded(tx, order, refund) {
    if (order.customer_id == null) return;
    await toInbox(tx, 'order_refunded', [{ customerId: order.customer_id, ts: new Date().toISOString(), properties: { order_id: order.order_id, refund_id: refund.refund_id, amount: refund.amount } }]);
  },
};
