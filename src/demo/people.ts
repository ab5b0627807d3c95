// The demo brand's customers: a year and a half of arrivals, browsing, registrations, WeCom adds, orders and refunds
// (generator.ts), sent through the tracking and orders APIs in batches, as a brand's mini-program and shop would.
import type { DemoContext } from '../kernel/module.ts';
import { generateCustomer } from './generator.ts';

/** Customers generated per round: a few thousand tracking calls and some hundred orders. */
const STEP = 100;
const TRACKING_BATCH = 2000;
const ORDER_BATCH = 1000;

export async function loadPeople(demo: DemoContext): Promise<Record<string, number>> {
  const counts = { customers: demo.customers, messages: 0, orders: 0, refunds: 0 };
  const anchor = demo.anchor.getTime();
  for (let from = 0; from < demo.customers; from += STEP) {
    const batch = Array.from({ length: Math.min(STEP, demo.customers - from) }, (_, k) => generateCustomer(demo.seed, from + k, anchor));
    const messages = batch.flatMap((c) => c.messages);
    for (let k = 0; k < messages.length; k += TRACKING_BATCH) await demo.track('/v1/batch', { batch: messages.slice(k, k + TRACKING_BATCH) });
    const orders = batch.flatMap((c) => c.orders);
    for (let k = 0; k < orders.length; k += ORDER_BATCH) await demo.track('/v1/orders/batch', { orders: orders.slice(k, k + ORDER_BATCH) });
    const refunds = batch.flatMap((c) => c.refunds);
    for (const r of refunds) await demo.track(`/v1/orders/${encodeURIComponent(r.orderId)}/refunds`, { ...r.refund, items: [] });
    counts.messages += messages.length;
    counts.orders += orders.length;
    counts.refunds += refunds.length;
    demo.progress(`customers ${from + batch.length}/${demo.customers}`);
  }
  return counts;
}
