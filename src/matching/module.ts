// Probabilistic matching: records that disagree are scored Fellegi–Sunter style; sure pairs merge, doubtful ones wait
// for review. Realtime matching listens to profile changes; full runs are leased background jobs.
import { defineModule } from '../kernel/module.ts';
import { registerMatchingRoutes } from './routes.ts';
import { RealtimeMatcher } from './realtime.ts';
import { MatchRunner } from './batch.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    matcher: RealtimeMatcher;
    matchRunner: MatchRunner;
  }
}

export const matchingModule = defineModule({
  name: 'matching',
  setup(ctx) {
    ctx.services.provide('matcher', new RealtimeMatcher(ctx));
    ctx.services.provide('matchRunner', new MatchRunner(ctx));
  },
  routes: registerMatchingRoutes,
  workers: (ctx) => [ctx.services.get('matcher'), ctx.services.get('matchRunner')],
  nav: [{ path: '/identity', label: 'identity', group: 'data', order: 30, permission: 'customers:read', icon: 'MergeCellsOutlined' }],
});
