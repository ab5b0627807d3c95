// Runs the real `siyu` binary as a child process, so tests can kill it with SIGKILL like a crash would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import type { Engine } from './platform.ts';

const BIN = path.resolve('bin/siyu.mjs');

export interface ProcessEnv {
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

/** An environment (data dir or private server schema) that several processes can share one after another. */
export async function processEnv(engine: Engine): Promise<ProcessEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siyu-proc-'));
  const env: NodeJS.ProcessEnv = { ...process.env, SIYU_DATA_DIR: dataDir, SIYU_DEMO: '0', LOG_LEVEL: 'warn', SIYU_IMPORT_LEASE_MS: '1000' };
  let schema: string | undefined;
  if (engine === 'postgres') {
    schema = `p_${crypto.randomBytes(5).toString('hex')}`;
    const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA ${schema}`);
    await c.end();
    env.DATABASE_URL = `${process.env.TEST_DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  } else {
    delete env.DATABASE_URL;
  }
  return {
    env,
    async cleanup() {
      if (schema) {
        const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function siyu(env: NodeJS.ProcessEnv, args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`siyu ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function siyuAsync(env: NodeJS.ProcessEnv, args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = siyuAsync({ ...env, PORT: String(port), HOST: '127.0.0.1' }, ['start']);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy: ${stderr}`);
}

export async function kill9(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
