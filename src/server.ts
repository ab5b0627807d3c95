// Composes the platform: database and migrations, PII keys, the HTTP API with its OpenAPI document, the console,
// and the background import runner.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import pino from 'pino';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './kernel/config.ts';
import type { AppContext } from './kernel/context.ts';
import { openDb, type Db } from './kernel/db.ts';
import { migrate } from './kernel/migrate.ts';
import { loadKeyRing, type KeyRing } from './kernel/crypto/keyring.ts';
import { Pii } from './kernel/crypto/pii.ts';
import { systemClock, type Clock } from './kernel/clock.ts';
import { Metrics } from './kernel/metrics.ts';
import { ChangeFeed } from './kernel/changes.ts';
import { ChangeBridge } from './kernel/change-bridge.ts';
import { RulesCache } from './identity/rules-cache.ts';
import { registerErrorHandler } from './http/errors.ts';
import { registerAuth } from './http/auth.ts';
import { registerStorableJson } from './http/storable-json.ts';
import { registerAccessRoutes } from './access/routes.ts';
import { registerTrackingRoutes } from './ingest/tracking/routes.ts';
import { registerOrderRoutes } from './ingest/orders/routes.ts';
import { registerImportRoutes } from './ingest/imports/routes.ts';
import { ImportRunner } from './ingest/imports/runner.ts';
import { registerCustomerRoutes } from './customers/routes.ts';
import { registerIdentityRoutes } from './identity/routes.ts';
import { registerOverviewRoutes } from './overview/routes.ts';
import { UnderstandingEngine } from './segments/engine.ts';
import { registerSegmentRoutes } from './segments/routes.ts';
import { registerRecomputeRoutes } from './segments/recompute.ts';
import { registerTraitRoutes } from './traits/routes.ts';
import { registerTagImportRoute, registerTagRoutes } from './tags/routes.ts';
import { registerLayerRoutes } from './layers/routes.ts';
import { registerModelRoutes } from './models/routes.ts';
import { ModelScheduler } from './models/scheduler.ts';
import { registerMatchingRoutes } from './matching/routes.ts';
import { RealtimeMatcher } from './matching/realtime.ts';
import { MatchRunner } from './matching/batch.ts';
import { registerLoyaltyRoutes } from './loyalty/routes.ts';
import { registerMemberRoutes } from './loyalty/member-routes.ts';
import { registerCouponRoutes } from './loyalty/coupons/routes.ts';
import { registerMallRoutes } from './loyalty/mall/routes.ts';
import { registerReferralRoutes } from './loyalty/referrals/routes.ts';
import { loyaltyOrderHook } from './loyalty/service.ts';
import { PointsSweeper } from './loyalty/sweeper.ts';
import { registerMessagingRoutes } from './messaging/routes.ts';
import { OutboxDispatcher } from './messaging/dispatcher.ts';
import { closeSmtpTransports } from './messaging/providers/smtp.ts';
import { registerJourneyRoutes } from './journeys/routes.ts';
import { journeyOrderHook } from './journeys/order-events.ts';
import { JourneyWorker } from './journeys/worker.ts';
import { registerBroadcastRoutes } from './broadcasts/routes.ts';
import { BroadcastWorker } from './broadcasts/worker.ts';
import { Analytics } from './analytics/service.ts';
import { registerAnalyticsRoutes } from './analytics/routes.ts';
import { registerDashboardRoutes } from './analytics/dashboards.ts';
import { SnapshotWriter } from './analytics/snapshots.ts';
import { ReportScheduler } from './analytics/reports.ts';
import { DbUpkeep } from './kernel/upkeep.ts';
import { IngestLog } from './ingest/buffer/ingest-log.ts';
import { BufferApplier } from './ingest/buffer/applier.ts';
import { registerIngestLogRoutes } from './ingest/buffer/routes.ts';

export interface Platform {
  app: FastifyInstance;
  ctx: AppContext;
  runner: ImportRunner;
  engine: UnderstandingEngine;
  models: ModelScheduler;
  matcher: RealtimeMatcher;
  matchRunner: MatchRunner;
  sweeper: PointsSweeper;
  journeys: JourneyWorker;
  broadcasts: BroadcastWorker;
  dispatcher: OutboxDispatcher;
  analytics: Analytics;
  snapshots: SnapshotWriter;
  upkeep: DbUpkeep;
  /** The ingest log and its applier, when SIYU_INGEST_BUFFER is set. */
  ingestLog?: IngestLog;
  applier?: BufferApplier;
  /** Starts every background worker (imports, models, matching, points, journeys, broadcasts, the outbox, table statistics). */
  startBackground(): void;
  close(): Promise<void>;
}

export interface PlatformOptions {
  clock?: Clock;
  db?: Db;
  keyRing?: KeyRing;
  /** Database schema on the server (tests). */
  schema?: string;
  runImports?: boolean;
  /** Where log lines go (tests read them); standard output otherwise. */
  logDestination?: pino.DestinationStream;
}

/** Never in a log line: credentials, and the bound parameters PGlite's errors carry (whole batches of customer data). */
const REDACTED = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.writeKey', 'err.params'];

export async function openContext(config: Config, opts: PlatformOptions = {}): Promise<AppContext> {
  const log = pino({ level: config.logLevel, redact: REDACTED }, opts.logDestination);
  const db = opts.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: opts.schema }));
  const ran = await migrate(db);
  if (ran.length) log.info({ migrations: ran }, 'migrations applied');
  const pii = new Pii(opts.keyRing ?? loadKeyRing({ piiKey: config.piiKey, piiKeyFile: config.piiKeyFile }));
  return { config, db, pii, rules: new RulesCache(), clock: opts.clock ?? systemClock, log, metrics: new Metrics(), changes: new ChangeFeed(), orderHooks: [] };
}

export async function createPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const ctx = await openContext(config, opts);
  const app: FastifyInstance = Fastify({
    // Per-request lines only at debug level; errors are always logged.
    loggerInstance: ctx.log.child({ component: 'http' }, { level: config.logLevel === 'debug' ? 'debug' : 'warn' }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // RudderStack's SDK gzips its batches; Segment's may. Decompressed bytes still count against bodyLimit.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = req.headers['content-encoding'];
    if (enc === 'gzip' || enc === 'deflate') {
      delete req.headers['content-length'];
      return payload.pipe(enc === 'gzip' ? zlib.createGunzip() : zlib.createInflate());
    }
    return payload;
  });
  // SDKs and browsers are loose about Content-Type (RudderStack sends gzipped JSON as x-www-form-urlencoded,
  // navigator.sendBeacon sends text/plain): any body that is not multipart is read as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (err: any) {
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.removeContentTypeParser('application/x-www-form-urlencoded');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err: any) {
      err.statusCode = 400;
      done(err, undefined);
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.inc('siyu_http_requests_total', 'HTTP requests by status class', 1, { status: `${Math.floor(reply.statusCode / 100)}xx` });
  });

  await app.register(cookie);
  await app.register(multipart, { limits: { fileSize: config.uploadLimit, files: 1, fields: 10 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Siyu API', version: '0.1.0', description: 'Siyu (私域) private-domain customer operations platform. Tracking endpoints follow the Segment HTTP spec.' },
      components: {
        securitySchemes: {
          writeKey: { type: 'http', scheme: 'basic', description: 'Write key as the basic-auth username' },
          secretKey: { type: 'http', scheme: 'bearer', description: 'Secret key (sk_...)' },
          session: { type: 'apiKey', in: 'cookie', name: 'siyu_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerErrorHandler(app);
  registerAuth(app, ctx);
  registerStorableJson(app);
  registerAccessRoutes(app, ctx);
  const ingestLog = config.ingestBuffer ? await IngestLog.open(config.ingestBuffer, config.ingestStream, ctx.pii) : undefined;
  registerTrackingRoutes(app, ctx, ingestLog);
  registerIngestLogRoutes(app, ctx, ingestLog);
  registerOrderRoutes(app, ctx);
  registerImportRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerIdentityRoutes(app, ctx);
  registerMatchingRoutes(app, ctx);
  ctx.orderHooks.push(loyaltyOrderHook(ctx));
  registerLoyaltyRoutes(app, ctx);
  registerMemberRoutes(app, ctx);
  registerCouponRoutes(app, ctx);
  registerMallRoutes(app, ctx);
  registerReferralRoutes(app, ctx);
  ctx.orderHooks.push(journeyOrderHook);
  registerMessagingRoutes(app, ctx);
  registerJourneyRoutes(app, ctx);
  registerBroadcastRoutes(app, ctx);
  registerOverviewRoutes(app, ctx);
  const engine = new UnderstandingEngine(ctx);
  engine.start();
  registerTraitRoutes(app, ctx, engine);
  registerTagRoutes(app, ctx, engine);
  registerTagImportRoute(app, ctx, engine);
  registerSegmentRoutes(app, ctx, engine);
  registerRecomputeRoutes(app, ctx, engine);
  registerLayerRoutes(app, ctx, engine);
  registerModelRoutes(app, ctx, engine);
  const analytics = new Analytics(ctx);
  registerAnalyticsRoutes(app, ctx, analytics, engine);
  registerDashboardRoutes(app, ctx, analytics);
  const models = new ModelScheduler(ctx, engine);

  app.get('/healthz', { config: { auth: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/metrics', { config: { auth: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.type('text/plain; version=0.0.4').send(ctx.metrics.render()));
  serveConsole(app, config.webDistDir);

  const runner = new ImportRunner(ctx, { leaseMs: config.importLeaseMs, pollMs: 500, chunkRows: 2000 });
  const matcher = new RealtimeMatcher(ctx);
  matcher.start();
  const matchRunner = new MatchRunner(ctx);
  const sweeper = new PointsSweeper(ctx);
  const journeys = new JourneyWorker(ctx, engine);
  const broadcasts = new BroadcastWorker(ctx);
  const dispatcher = new OutboxDispatcher(ctx);
  const snapshots = new SnapshotWriter(ctx);
  const reports = new ReportScheduler(ctx, analytics);
  const upkeep = new DbUpkeep(ctx);
  const applier = ingestLog ? new BufferApplier(ctx, ingestLog, { loops: config.ingestAppliers }) : undefined;
  const startBackground = () => {
    for (const worker of [runner, models, matchRunner, sweeper, journeys, broadcasts, dispatcher, snapshots, reports, upkeep]) worker.start();
    applier?.start();
  };
  if (opts.runImports !== false) startBackground();
  // Work that arrives in this process starts at once; the polls remain for work from other processes.
  ctx.changes.onCustomers(() => journeys.wake());
  ctx.changes.onMessagesQueued(() => dispatcher.wake());
  // Other processes on the same server hear this one's changes, and it theirs.
  const bridge = new ChangeBridge(ctx.db, ctx.changes, opts.schema, (err) => ctx.log.error({ err }, 'change bridge failed'));
  await bridge.start();
  return {
    app,
    ctx,
    runner,
    engine,
    models,
    matcher,
    matchRunner,
    sweeper,
    journeys,
    broadcasts,
    dispatcher,
    analytics,
    snapshots,
    upkeep,
    ingestLog,
    applier,
    startBackground,
    async close() {
      // Requests first, so those in flight finish while everything they announce to is running; the bridge after
      // every part that announces changes, so other processes hear the last of them; the database last.
      await app.close();
      await applier?.stop();
      await upkeep.stop();
      await reports.stop();
      await snapshots.stop();
      await dispatcher.stop();
      await broadcasts.stop();
      await journeys.stop();
      await closeSmtpTransports();
      await sweeper.stop();
      await matchRunner.stop();
      await matcher.stop();
      await models.stop();
      await runner.stop();
      await engine.stop();
      await bridge.stop();
      await ingestLog?.close();
      if (!opts.db) await ctx.db.close();
    },
  };
}

function serveConsole(app: FastifyInstance, dist: string) {
  const index = path.join(dist, 'index.html');
  const built = fs.existsSync(index);
  if (built) app.register(fastifyStatic, { root: dist, wildcard: false });
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/v1/') && built) {
      return reply.type('text/html').send(fs.readFileSync(index));
    }
    if (req.method === 'GET' && req.url === '/' && !built) {
      return reply.type('text/plain').send('The console is not built yet: run `npm run build:web` (npm start does it for you). The API is at /v1 and its documentation at /docs.');
    }
    return reply.status(404).send({ error: { code: 'not_found', message: `${req.method} ${req.url} does not exist; see /docs`, problems: [] } });
  });
}
