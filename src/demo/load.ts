// Loads the demo brand through the same ingest path the SDKs and the orders API use.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { createOperator, createWorkspace } from '../access/workspaces.ts';
import { ingestMessages } from '../ingest/tracking/ingest.ts';
import { recordOrders, recordRefund } from '../ingest/orders/orders.ts';
import { BRAND } from './catalog.ts';
import { generateCustomer } from './generator.ts';

export const DEMO_OWNER = { email: 'admin@demo.siyu.dev', password: 'siyu-demo', name: '演示管理员' };

export interface DemoOptions {
  customers: number;
  seed: number;
  workspaceId?: string;
  /** Day the demo history ends (defaults to today), so "last 30 days" always has data. */
  anchor?: Date;
  batchCustomers?: number;
  onProgress?: (customersDone: number) => void;
}

export async function loadDemo(ctx: AppContext, opts: DemoOptions) {
  let workspaceId = opts.workspaceId;
  let writeKey: string | undefined;
  if (!workspaceId) {
    const ws = await createWorkspace(ctx.db, BRAND.name, { timezone: BRAND.timezone });
    workspaceId = ws.id;
    writeKey = ws.writeKey;
    await createOperator(ctx.db, ws.id, DEMO_OWNER.email, DEMO_OWNER.name, DEMO_OWNER.password, 'owner');
  }
  const anchorDate = opts.anchor ?? ctx.clock.now();
  const anchor = Date.UTC(anchorDate.getUTCFullYear(), anchorDate.getUTCMonth(), anchorDate.getUTCDate());
  const counts = { customers: opts.customers, messages: 0, orders: 0, refunds: 0 };
  const step = opts.batchCustomers ?? 100;
  for (let from = 0; from < opts.customers; from += step) {
    const batch = Array.from({ length: Math.min(step, opts.customers - from) }, (_, k) => generateCustomer(opts.seed, from + k, anchor));
    const messages = batch.flatMap((c) => c.messages);
    for (let k = 0; k < messages.length; k += 2000) {
      const slice = messages.slice(k, k + 2000).map((message, index) => ({ index, message }));
      await ingestMessages(ctx, workspaceId, slice, { receivedAt: new Date(anchor) });
    }
    const orders = batch.flatMap((c) => c.orders);
    const refunds = batch.flatMap((c) => c.refunds);
    await withTenant(ctx.db, workspaceId, async (tx) => {
      if (orders.length) await recordOrders(ctx, tx, orders);
      for (const r of refunds) await recordRefund(ctx, tx, r.orderId, { ...r.refund, items: [] }, new Date(anchor));
    });
    counts.messages += messages.length;
    counts.orders += orders.length;
    counts.refunds += refunds.length;
    opts.onProgress?.(from + batch.length);
  }
  return { workspaceId, writeKey, counts };
}
