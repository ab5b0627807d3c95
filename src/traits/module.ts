// Computed traits: aggregates over events or orders, all time or in a sliding window, kept current by the engine.
import { defineModule } from '../kernel/module.ts';
import { registerTraitRoutes } from './routes.ts';

export const traitsModule = defineModule({
  name: 'traits',
  routes: registerTraitRoutes,
});
