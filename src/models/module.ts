// Predictions: CLV and P(alive), churn risk, best send time, recommendations; refitted daily with the layers.
import { defineModule } from '../kernel/module.ts';
import { registerModelRoutes } from './routes.ts';
import { ModelScheduler } from './scheduler.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    models: ModelScheduler;
  }
}

export const modelsModule = defineModule({
  name: 'models',
  setup(ctx) {
    ctx.services.provide('models', new ModelScheduler(ctx, ctx.services.get('engine')));
  },
  routes: (app, ctx) => registerModelRoutes(app, ctx, ctx.services.get('engine')),
  workers: (ctx) => [ctx.services.get('models')],
  nav: [{ path: '/predictions', label: 'predictions', group: 'understand', order: 40, permission: 'customers:read', icon: 'ExperimentOutlined' }],
});
