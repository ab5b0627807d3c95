// The overview: the first page an operator sees.
import { defineModule } from '../kernel/module.ts';
import { registerOverviewRoutes } from './routes.ts';

export const overviewModule = defineModule({
  name: 'overview',
  routes: registerOverviewRoutes,
  nav: [{ path: '/', label: 'overview', group: 'data', order: 10, permission: 'customers:read', icon: 'DashboardOutlined' }],
});
