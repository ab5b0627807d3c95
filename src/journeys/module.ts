// Journeys: durable per-customer state machines with triggers, waits, branches, splits and actions; the worker
// consumes the event inbox and runs due customers forward.
import { defineModule } from '../kernel/module.ts';
import { registerJourneyRoutes } from './routes.ts';
import { journeyOrderHook } from './order-events.ts';
import { JourneyWorker } from './worker.ts';
import { journeysReading } from './usage.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    journeys: JourneyWorker;
  }
}

export const journeysModule = defineModule({
  name: 'journeys',
  permissions: { 'journeys:manage': ['owner', 'admin', 'operator'] },
  setup(ctx) {
    ctx.hooks.add('orders', journeyOrderHook);
    ctx.services.provide('journeys', new JourneyWorker(ctx, ctx.services.get('engine')));
  },
  routes: registerJourneyRoutes,
  workers: (ctx) => [ctx.services.get('journeys')],
  references: journeysReading,
  nav: [{ path: '/journeys', label: 'journeys', group: 'reach', order: 10, permission: 'customers:read', icon: 'NodeIndexOutlined' }],
});
