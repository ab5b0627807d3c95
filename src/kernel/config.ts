// The only place that reads process.env. Everything else receives a Config.
import path from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL server URL; when absent the embedded PGlite database under dataDir is used. */
  databaseUrl: string | undefined;
  /** Base64 32-byte master key for PII; alternative to piiKeyFile. */
  piiKey: string | undefined;
  /** JSON key ring file (see kernel/crypto/keyring.ts). Defaults to <dataDir>/pii-keys.json, created on first start. */
  piiKeyFile: string;
  /** Largest accepted request body in bytes; larger bodies get 413. */
  bodyLimit: number;
  /** Largest accepted import upload in bytes. */
  uploadLimit: number;
  /** Import lease: how long a crashed runner's import waits before another runner resumes it. */
  importLeaseMs: number;
  /** Load the demo brand into an empty database on start. */
  demoOnFirstStart: boolean;
  demoCustomers: number;
  logLevel: string;
  /** Serve the built console from this folder when it exists. */
  webDistDir: string;
  /** Where customers reach this server: tracked links, open pixels and unsubscribe links point here. */
  publicUrl: string;
  /** Let webhooks call private addresses (localhost, 10/8, 192.168/16 ...). Off by default: SSRF protection. */
  allowPrivateOutbound: boolean;
  /** An analytics query running longer than this is stopped and answered with an explanation. */
  analyticsTimeoutMs: number;
  /** NATS server whose JetStream holds tracking requests until they are applied (src/ingest/buffer); off when absent. */
  ingestBuffer: string | undefined;
  /** JetStream stream name of the ingest log: installations sharing one NATS server each need their own. */
  ingestStream: string;
  /** Transactions applying the ingest log that this process runs at once; 0 for a process that only acknowledges. */
  ingestAppliers: number;
  /** Folder of the public moderation word lists (read at run time, never shipped); absent: ../shared/data/zh_moderation beside the repository when it exists. */
  moderationLists: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(env.SIYU_DATA_DIR ?? './data');
  const config: Config = {
    port: intFrom(env.PORT, 8080, 'PORT'),
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    piiKey: env.SIYU_PII_KEY || undefined,
    piiKeyFile: path.resolve(env.SIYU_PII_KEY_FILE ?? path.join(dataDir, 'pii-keys.json')),
    bodyLimit: intFrom(env.SIYU_BODY_LIMIT, 4 * 1024 * 1024, 'SIYU_BODY_LIMIT'),
    uploadLimit: intFrom(env.SIYU_UPLOAD_LIMIT, 2 * 1024 * 1024 * 1024, 'SIYU_UPLOAD_LIMIT'),
    importLeaseMs: intFrom(env.SIYU_IMPORT_LEASE_MS, 30_000, 'SIYU_IMPORT_LEASE_MS'),
    demoOnFirstStart: env.SIYU_DEMO !== '0',
    demoCustomers: intFrom(env.SIYU_DEMO_CUSTOMERS, 2000, 'SIYU_DEMO_CUSTOMERS'),
    logLevel: env.LOG_LEVEL ?? 'info',
    webDistDir: path.resolve(env.SIYU_WEB_DIST ?? 'web/dist'),
    publicUrl: (env.SIYU_PUBLIC_URL ?? `http://localhost:${env.PORT || 8080}`).replace(/\/$/, ''),
    allowPrivateOutbound: env.SIYU_ALLOW_PRIVATE_OUTBOUND === '1',
    analyticsTimeoutMs: intFrom(env.SIYU_ANALYTICS_TIMEOUT_MS, 60_000, 'SIYU_ANALYTICS_TIMEOUT_MS'),
    ingestBuffer: env.SIYU_INGEST_BUFFER || undefined,
    ingestStream: env.SIYU_INGEST_STREAM || 'SIYU_INGEST',
    ingestAppliers: intFrom(env.SIYU_INGEST_APPLIERS, 2, 'SIYU_INGEST_APPLIERS'),
    moderationLists: env.SIYU_MODERATION_LISTS ? path.resolve(env.SIYU_MODERATION_LISTS) : undefined,
  };
  return { ...config, ...overrides };
}

function intFrom(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}
