// Access: workspaces, operators and sessions, API keys, roles and the audit log — and the route guard every other
// module's routes pass through, so this module comes first.
import { defineModule } from '../kernel/module.ts';
import { installRouteGuard, type DeclaredRoute } from './guard.ts';
import { grantPermissions } from './roles.ts';
import { registerAccessRoutes } from './routes.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    /** Every route registered, with the access it declares (tests walk it). */
    routeTable: DeclaredRoute[];
  }
}

export const accessModule = defineModule({
  name: 'access',
  setup(ctx) {
    for (const m of ctx.modules) if (m.permissions) grantPermissions(m.permissions);
  },
  routes(app, ctx) {
    ctx.services.provide('routeTable', installRouteGuard(app, ctx));
    registerAccessRoutes(app, ctx);
  },
  nav: [{ path: '/settings', label: 'settings', group: 'admin', order: 90, permission: 'customers:read', icon: 'SettingOutlined' }],
});
