// Broadcasts (群发): one message to a segment now or at a time, throttled to the channel's rate.
import { defineModule } from '../kernel/module.ts';
import { registerBroadcastRoutes } from './routes.ts';
import { BroadcastWorker } from './worker.ts';
import { broadcastsReading } from './usage.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    broadcasts: BroadcastWorker;
  }
}

export const broadcastsModule = defineModule({
  name: 'broadcasts',
  setup(ctx) {
    ctx.services.provide('broadcasts', new BroadcastWorker(ctx));
  },
  routes: registerBroadcastRoutes,
  workers: (ctx) => [ctx.services.get('broadcasts')],
  references: broadcastsReading,
  nav: [{ path: '/broadcasts', label: 'broadcasts', group: 'reach', order: 20, permission: 'customers:read', icon: 'SoundOutlined' }],
});
