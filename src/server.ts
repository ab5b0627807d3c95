// Composes the platform from the kernel and the capability modules (src/modules.ts): database and migrations, PII
// keys, each module's services, routes and workers, the HTTP API with its OpenAPI document, and the console.
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
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
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
import { Hooks, Services, type CapabilityModule, type ServiceMap, type Worker } from './kernel/module.ts';
import { registerErrorHandler } from './kernel/http/errors.ts';
import { registerStorableJson } from './kernel/http/storable-json.ts';
import { DbUpkeep } from './kernel/upkeep.ts';
import { MODULES } from './modules.ts';

export interface Platform {
  app: FastifyInstance;
  ctx: AppContext;
  /** Every module's workers, in start order. */
  workers: readonly Worker[];
  upkeep: DbUpkeep;
  // The services tests and benchmarks reach for most, by name (ctx.services has them all).
  engine: ServiceMap['engine'];
  models: ServiceMap['models'];
  matcher: ServiceMap['matcher'];
  matchRunner: ServiceMap['matchRunner'];
  sweeper: ServiceMap['sweeper'];
  journeys: ServiceMap['journeys'];
  broadcasts: ServiceMap['broadcasts'];
  dispatcher: ServiceMap['dispatcher'];
  analytics: ServiceMap['analytics'];
  snapshots: ServiceMap['snapshots'];
  /** The ingest log, when SIYU_INGEST_BUFFER is set. */
  ingestLog: ServiceMap['ingestLog'];
  /** Starts every background worker that is not live (imports, models, matching runs, points, journeys, the outbox ...). */
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
  /** The capabilities to run (all of src/modules.ts by default). */
  modules?: readonly CapabilityModule[];
}

/** Never in a log line: credentials, and the bound parameters PGlite's errors carry (whole batches of customer data). */
const REDACTED = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.writeKey', 'err.params'];

/**
 * Opens the database (applying migrations) and the PII keys, and sets every module up: their services and hook points
 * exist, nothing runs yet. CLI commands that need no HTTP use this; createPlatform builds on it.
 */
export async function openContext(config: Config, opts: PlatformOptions = {}): Promise<AppContext> {
  const log = pino({ level: config.logLevel, redact: REDACTED }, opts.logDestination);
  const db = opts.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: opts.schema }));
  const ran = await migrate(db);
  if (ran.length) log.info({ migrations: ran }, 'migrations applied');
  const pii = new Pii(opts.keyRing ?? loadKeyRing({ piiKey: config.piiKey, piiKeyFile: config.piiKeyFile }));
  const ctx: AppContext = {
    config, db, pii, clock: opts.clock ?? systemClock, log, metrics: new Metrics(), changes: new ChangeFeed(),
    services: new Services(), hooks: new Hooks(), modules: opts.modules ?? MODULES,
  };
  for (const m of ctx.modules) await m.setup?.(ctx);
  return ctx;
}

/** Releases what openContext opened (for contexts used without a platform). */
export async function closeContext(ctx: AppContext, opts: { keepDb?: boolean } = {}): Promise<void> {
  for (const m of [...ctx.modules].reverse()) await m.close?.(ctx);
  if (!opts.keepDb) await ctx.db.close();
}

export async function createPlatform(config: Config, opts: PlatformOptions = {}): Promise<Platform> {
  const ctx = await openContext(config, opts);
  const app = ctx.services.provide('http', await createHttpServer(ctx));
  for (const m of ctx.modules) await m.routes?.(app, ctx);
  app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/metrics', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => reply.type('text/plain; version=0.0.4').send(ctx.metrics.render()));
  serveConsole(app, config.webDistDir);

  const workers = ctx.modules.flatMap((m: CapabilityModule) => m.workers?.(ctx) ?? []);
  const upkeep = new DbUpkeep(ctx);
  // Live workers hear this process's changes from now on; the others wait for startBackground (after listen).
  for (const w of workers) if (w.live) w.start();
  const startBackground = () => {
    for (const w of workers) if (!w.live) w.start();
    upkeep.start();
  };
  if (opts.runImports !== false) startBackground();
  // Other processes on the same server hear this one's changes, and it theirs.
  const bridge = new ChangeBridge(ctx.db, ctx.changes, opts.schema, (err) => ctx.log.error({ err }, 'change bridge failed'));
  await bridge.start();
  const service = <K extends keyof ServiceMap>(name: K) => ctx.services.get(name);
  return {
    app, ctx, workers, upkeep, startBackground,
    engine: service('engine'), models: service('models'), matcher: service('matcher'), matchRunner: service('matchRunner'),
    sweeper: service('sweeper'), journeys: service('journeys'), broadcasts: service('broadcasts'), dispatcher: service('dispatcher'),
    analytics: service('analytics'), snapshots: service('snapshots'), ingestLog: service('ingestLog'),
    async close() {
      // Requests first, so those in flight finish while everything they announce to is running; workers in reverse
      // order of start; the bridge after every part that announces changes, so other processes hear the last of them;
      // then what modules hold, and the database last.
      await app.close();
      await upkeep.stop();
      for (const w of [...workers].reverse()) await w.stop();
      await bridge.stop();
      await closeContext(ctx, { keepDb: !!opts.db });
    },
  };
}

/** Fastify with the platform's conventions: Zod schemas, one error shape, lenient body parsing for SDKs, OpenAPI at /docs. */
async function createHttpServer(ctx: AppContext): Promise<FastifyInstance> {
  const { config } = ctx;
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
    // Schemas with an id (and recursive ones, such as rules) become components that every $ref resolves to.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerErrorHandler(app);
  registerStorableJson(app);
  return app;
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
