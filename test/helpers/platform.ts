// Starts the real platform on a real database for a test: embedded PGlite in memory, or a private schema on the
// PostgreSQL server. Tests then talk to it over real HTTP like a client would.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/kernel/config.ts';
import { openDb } from '../../src/kernel/db.ts';
import { keyRingForTests } from '../../src/kernel/crypto/keyring.ts';
import type { Clock } from '../../src/kernel/clock.ts';
import { createPlatform, type Platform, type PlatformOptions } from '../../src/server.ts';
import { createOperator, createWorkspace, type CreatedWorkspace } from '../../src/access/workspaces.ts';

export type Engine = 'pglite' | 'postgres';
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestPlatform {
  engine: Engine;
  platform: Platform;
  url: string;
  ws: CreatedWorkspace;
  owner: { email: string; password: string };
  dataDir: string;
  schema?: string;
  /** fetch against the platform with the workspace's secret key unless headers say otherwise */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** tracking call with the write key (basic auth) */
  track(path: string, body: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export const OWNER_PASSWORD = 'owner-password-1';

/** `joinSchema`: a second process on another platform's server schema (it leaves the schema to its owner). */
export async function startPlatform(
  engine: Engine,
  opts: { clock?: Clock; config?: Partial<Config>; runImports?: boolean; joinSchema?: string; logDestination?: PlatformOptions['logDestination'] } = {},
): Promise<TestPlatform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-test-'));
  const schema = engine === 'postgres' ? opts.joinSchema ?? `t_${crypto.randomBytes(5).toString('hex')}` : undefined;
  const config = loadConfig({}, {
    dataDir, port: 0, host: '127.0.0.1', logLevel: process.env.LOG_LEVEL ?? 'error', importLeaseMs: 1500,
    databaseUrl: engine === 'postgres' ? process.env.TEST_DATABASE_URL : undefined, demoOnFirstStart: false, ...opts.config,
  });
  const db = engine === 'pglite' ? await openDb({ memory: true }) : undefined;
  const platform = await createPlatform(config, { db, schema, keyRing: keyRingForTests(), clock: opts.clock, runImports: opts.runImports, logDestination: opts.logDestination });
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const address = platform.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const ws = await createWorkspace(platform.ctx.db, 'Test brand');
  const owner = { email: `owner-${crypto.randomBytes(3).toString('hex')}@test.dev`, password: OWNER_PASSWORD };
  await createOperator(platform.ctx.db, ws.id, owner.email, 'Owner', owner.password, 'owner');

  const call = async (method: string, p: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(url + p, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed };
  };
  return {
    engine, platform, url, ws, owner, dataDir, schema,
    api: (method, p, body, headers) => call(method, p, body, headers ?? { authorization: `Bearer ${ws.secretKey}` }),
    track: (p, body) => call('POST', p, body, { authorization: `Basic ${Buffer.from(`${ws.writeKey}:`).toString('base64')}` }),
    async close() {
      await platform.close();
      if (db) await db.close();
      if (schema && !opts.joinSchema) await dropSchema(schema);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function dropSchema(schema: string) {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function loginCookie(t: TestPlatform, email = t.owner.email, password = t.owner.password): Promise<string> {
  const res = await fetch(`${t.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}
