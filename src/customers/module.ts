// Customers: search, the 360 view and the timeline every capability appends to (timeline.ts).
import { defineModule } from '../kernel/module.ts';
import { registerCustomerRoutes } from './routes.ts';

export const customersModule = defineModule({
  name: 'customers',
  permissions: { 'customers:read': ['owner', 'admin', 'analyst', 'operator', 'staff'], 'customers:write': ['owner', 'admin', 'operator'] },
  routes: registerCustomerRoutes,
  nav: [{ path: '/customers', label: 'customers', group: 'data', order: 20, permission: 'customers:read', icon: 'TeamOutlined' }],
});
