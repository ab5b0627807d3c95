// Layer models: RFM cells, value quadrants and lifecycle stages, published as tags and refreshed daily.
import { defineModule } from '../kernel/module.ts';
import { registerLayerRoutes } from './routes.ts';

export const layersModule = defineModule({
  name: 'layers',
  routes: (app, ctx) => registerLayerRoutes(app, ctx, ctx.services.get('engine')),
  nav: [{ path: '/layers', label: 'layers', group: 'understand', order: 30, permission: 'customers:read', icon: 'BarsOutlined' }],
});
