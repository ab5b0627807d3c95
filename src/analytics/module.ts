// Analytics: metrics, funnels, retention, paths, attribution, dashboards and reports, answered by DuckDB over
// Parquet snapshots the snapshot writer keeps close behind the database.
import { defineModule } from '../kernel/module.ts';
import { Analytics } from './service.ts';
import { registerAnalyticsRoutes } from './routes.ts';
import { registerDashboardRoutes } from './dashboards.ts';
import { SnapshotWriter } from './snapshots.ts';
import { ReportScheduler } from './reports.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    analytics: Analytics;
    snapshots: SnapshotWriter;
  }
}

export const analyticsModule = defineModule({
  name: 'analytics',
  setup(ctx) {
    ctx.services.provide('analytics', new Analytics(ctx));
    ctx.services.provide('snapshots', new SnapshotWriter(ctx));
  },
  routes(app, ctx) {
    const analytics = ctx.services.get('analytics');
    registerAnalyticsRoutes(app, ctx, analytics, ctx.services.get('engine'));
    registerDashboardRoutes(app, ctx, analytics);
  },
  workers: (ctx) => [ctx.services.get('snapshots'), new ReportScheduler(ctx, ctx.services.get('analytics'))],
  nav: [{ path: '/analytics', label: 'analytics', group: 'understand', order: 50, permission: 'customers:read', icon: 'LineChartOutlined' }],
});
