// Segments and the understanding engine behind traits, rule tags and segments: customers held in memory per
// workspace, memberships kept true as data arrives and as time passes, entries and exits announced.
import { defineModule } from '../kernel/module.ts';
import { UnderstandingEngine } from './engine.ts';
import { registerSegmentRoutes } from './routes.ts';
import { registerRecomputeRoutes } from './recompute.ts';
import { segmentsReading } from './usage.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    engine: UnderstandingEngine;
  }
}

export const segmentsModule = defineModule({
  name: 'segments',
  setup(ctx) {
    ctx.services.provide('engine', new UnderstandingEngine(ctx));
  },
  routes(app, ctx) {
    const engine = ctx.services.get('engine');
    registerSegmentRoutes(app, ctx, engine);
    registerRecomputeRoutes(app, ctx, engine);
  },
  workers: (ctx) => [ctx.services.get('engine')],
  references: segmentsReading,
  nav: [{ path: '/segments', label: 'segments', group: 'understand', order: 20, permission: 'customers:read', icon: 'ApartmentOutlined' }],
});
