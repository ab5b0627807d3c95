// Ingest: Segment-compatible tracking, orders and refunds, file imports, and the optional NATS ingest log. It owns
// events (through customers/timeline.ts), orders, refunds and imports, and offers the `orders` hook point so others
// act in the transaction that stores an order (loyalty earns points, journeys hear of the purchase).
import { defineModule } from '../kernel/module.ts';
import { IngestLog } from './buffer/ingest-log.ts';
import { BufferApplier } from './buffer/applier.ts';
import { registerIngestLogRoutes } from './buffer/routes.ts';
import { registerTrackingRoutes } from './tracking/routes.ts';
import { registerOrderRoutes } from './orders/routes.ts';
import { registerImportRoutes } from './imports/routes.ts';
import { ImportRunner } from './imports/runner.ts';
import type { OrderHook } from './orders/hooks.ts';
import { importCommand } from './imports/cli.ts';

declare module '../kernel/module.ts' {
  interface ServiceMap {
    /** Present when SIYU_INGEST_BUFFER is set. */
    ingestLog: IngestLog | undefined;
  }
  interface HookMap {
    orders: OrderHook;
  }
}

export const ingestModule = defineModule({
  name: 'ingest',
  permissions: { 'imports:write': ['owner', 'admin', 'operator'] },
  async setup(ctx) {
    const { ingestBuffer, ingestStream } = ctx.config;
    ctx.services.provide('ingestLog', ingestBuffer ? await IngestLog.open(ingestBuffer, ingestStream, ctx.pii) : undefined);
  },
  routes(app, ctx) {
    const log = ctx.services.get('ingestLog');
    registerTrackingRoutes(app, ctx, log);
    registerIngestLogRoutes(app, ctx, log);
    registerOrderRoutes(app, ctx);
    registerImportRoutes(app, ctx);
  },
  workers(ctx) {
    const log = ctx.services.get('ingestLog');
    return [
      new ImportRunner(ctx, { leaseMs: ctx.config.importLeaseMs, pollMs: 500, chunkRows: 2000 }),
      ...(log ? [new BufferApplier(ctx, log, { loops: ctx.config.ingestAppliers })] : []),
    ];
  },
  cli: [importCommand],
  nav: [{ path: '/imports', label: 'imports', group: 'data', order: 40, permission: 'customers:read', icon: 'CloudUploadOutlined' }],
  async close(ctx) {
    await ctx.services.find('ingestLog')?.close();
  },
});
