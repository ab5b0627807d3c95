// SIGKILL at an arbitrary moment loses nothing that was acknowledged and duplicates nothing after restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { ENGINES, waitFor } from './helpers/platform.ts';
import { deleteStream, NATS_URL } from './helpers/nats.ts';
import { freePort, kill9, processEnv, siyu, siyuAsync, startServer } from './helpers/process.ts';
import { openDb } from '../src/kernel/db.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

async function countRows(env: NodeJS.ProcessEnv, sql: string, params: unknown[] = []) {
  const db = env.DATABASE_URL ? await openDb({ databaseUrl: env.DATABASE_URL, poolSize: 1 }) : await openDb({ dataDir: env.SIYU_DATA_DIR });
  try {
    return (await db.query(sql, params)).rows[0];
  } finally {
    await db.close();
  }
}

const PER = 100;

/** Sends batch number b (PER messages, 250 users on 400 devices, fixed messageIds); true when acknowledged. */
function batchSender(port: number, writeKey: string) {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const batch = (b: number) => ({
    batch: Array.from({ length: PER }, (_, i) => ({
      type: i % 10 === 0 ? 'identify' : 'track', event: 'Crash Test', userId: `cu-${(b * PER + i) % 250}`,
      anonymousId: `dev-${(b * PER + i) % 400}`, messageId: `crash-${b}-${i}`, traits: { plan: 'x' },
    })),
  });
  return async (b: number) => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(batch(b)) });
      return r.status === 200;
    } catch {
      return false;
    }
  };
}

for (const engine of ENGINES) {
  describe(`crash safety (${engine})`, () => {
    it('batch ingest: kill -9 mid-stream, restart, SDK-style retries → every event exactly once', async () => {
      const pe = await processEnv(engine);
      try {
        const ws = JSON.parse(siyu(pe.env, ['workspace', 'create', 'Crash', '--json']).trim().split('\n').pop()!);
        const port = await freePort();
        let server = await startServer(pe.env, port);
        const BATCHES = 80;
        const send = batchSender(port, ws.writeKey);
        const acked = new Set<number>();
        // Crash after a random share of the stream, while the other clients' batches are in flight.
        const killAfter = 10 + Math.floor(Math.random() * (BATCHES / 2));
        let killed = false;
        await Promise.all(Array.from({ length: 4 }, async (_, lane) => {
          for (let b = lane; b < BATCHES; b += 4) {
            if (await send(b)) acked.add(b);
            if (!killed && acked.size >= killAfter) {
              killed = true;
              await kill9(server);
            }
          }
        }));
        if (!killed) await kill9(server);
        assert.ok(acked.size > 0, 'some batches were acknowledged before the crash');
        assert.ok(acked.size < BATCHES, 'the crash interrupted the stream');
        server = await startServer(pe.env, port);
        // Like an SDK, resend everything not acknowledged — and, to prove idempotency, the acknowledged ones too.
        for (let b = 0; b < BATCHES; b++) assert.ok(await send(b), `batch ${b} after restart`);
        await kill9(server);
        const counts = await countRows(pe.env, `SELECT count(*)::int AS events, count(DISTINCT message_id)::int AS distinct_ids FROM events WHERE message_id LIKE 'crash-%'`);
        assert.equal(counts.events, BATCHES * PER);
        assert.equal(counts.distinct_ids, BATCHES * PER);
        const people = await countRows(pe.env, `SELECT count(DISTINCT c.canonical_id)::int AS n FROM identities i JOIN customers c ON c.id = i.customer_id AND c.workspace_id = i.workspace_id WHERE i.id_type = 'user_id'`);
        assert.equal(people.n, 250, 'one profile per user despite the crash');
      } finally {
        await pe.cleanup();
      }
    });

    it('import: kill -9 during the UCI file, restart → resumes from its checkpoint, every line once', { skip: !fs.existsSync(UCI) && 'shared data missing' }, async () => {
      const pe = await processEnv(engine);
      try {
        const ws = JSON.parse(siyu(pe.env, ['workspace', 'create', 'Crash import', '--json']).trim().split('\n').pop()!);
        const child = siyuAsync(pe.env, ['import', UCI, '--kind', 'orders', '--workspace', ws.id, '--timezone', 'Europe/London', '--currency', 'GBP']);
        // Wait until the CLI reports real progress, then crash it at a random moment shortly after.
        await new Promise<void>((resolve, reject) => {
          let err = '';
          child.stderr!.on('data', (d) => {
            err += d;
            const rows = [...err.matchAll(/(\d+) rows/g)].map((m) => Number(m[1]));
            if (rows.length && rows[rows.length - 1] >= 20_000) resolve();
          });
          child.once('exit', () => reject(new Error(`import exited before the crash: ${err}`)));
        });
        await new Promise((r) => setTimeout(r, Math.random() * 1500));
        await kill9(child);
        const mid = await countRows(pe.env, `SELECT status, rows_done FROM imports`);
        assert.equal(mid.status, 'running', 'killed while running');
        assert.ok(mid.rows_done > 0 && mid.rows_done < 541_909, `checkpoint ${mid.rows_done}`);
        // A restarted platform picks the import up once its lease has run out.
        const port = await freePort();
        const server = await startServer(pe.env, port);
        const deadline = Date.now() + 240_000;
        let state: any;
        while (Date.now() < deadline) {
          state = await fetch(`http://127.0.0.1:${port}/v1/imports`, { headers: { authorization: `Bearer ${ws.secretKey}` } }).then((r) => r.json());
          if (state.imports[0].status !== 'running') break;
          await new Promise((r) => setTimeout(r, 500));
        }
        await kill9(server);
        const imp = state.imports[0];
        assert.equal(imp.status, 'done');
        assert.equal(imp.rowsOk + imp.rowsError, 541_909);
        assert.equal(imp.rowsError, 2);
        // Independent expectation from the raw file: number of invoices and their total value in pence.
        const rows: string[][] = parse(fs.readFileSync(UCI), { from_line: 2 });
        const valid = rows.filter((r) => Number(r[5]) >= 0);
        const invoices = new Set(valid.map((r) => r[0]));
        const pence = valid.reduce((s, r) => s + Math.abs(Number(r[3])) * Math.round(Number(r[5]) * 100), 0);
        const stored = await countRows(pe.env, `SELECT count(*)::int AS n, sum(amount)::bigint AS total FROM orders`);
        assert.equal(stored.n, invoices.size);
        assert.equal(Number(stored.total), pence);
      } finally {
        await pe.cleanup();
      }
    });
  });
}

describe('crash safety with the ingest log (postgres + NATS JetStream)', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  it('kill -9 with entries acknowledged but not applied, and again while applying → every event exactly once', async () => {
    const pe = await processEnv('postgres');
    const stream = `SIYU_T_${crypto.randomBytes(4).toString('hex')}`;
    const env = { ...pe.env, SIYU_INGEST_BUFFER: NATS_URL, SIYU_INGEST_STREAM: stream };
    try {
      const ws = JSON.parse(siyu(env, ['workspace', 'create', 'Crash log', '--json']).trim().split('\n').pop()!);
      const port = await freePort();
      const BATCHES = 60;
      const send = batchSender(port, ws.writeKey);
      const stored = async () => (await countRows(env, `SELECT count(*)::int AS n FROM events WHERE message_id LIKE 'crash-%'`)).n as number;

      // 1. A process that only acknowledges dies with the first half acknowledged: nothing applied yet, nothing lost.
      let server = await startServer({ ...env, SIYU_INGEST_APPLIERS: '0' }, port);
      const acked: number[] = [];
      await Promise.all(Array.from({ length: 4 }, async (_, lane) => {
        for (let b = lane; b < BATCHES / 2; b += 4) if (await send(b)) acked.push(b);
      }));
      await kill9(server);
      assert.equal(acked.length, BATCHES / 2);
      assert.equal(await stored(), 0, 'acknowledged entries wait in the log');

      // 2. A process with appliers takes them up and dies part-way through applying while the second half arrives.
      server = await startServer(env, port);
      const lanes = Promise.all(Array.from({ length: 4 }, async (_, lane) => {
        for (let b = BATCHES / 2 + lane; b < BATCHES; b += 4) await send(b);
      }));
      await waitFor('some applied', async () => (await stored()) > 0, 60_000);
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      await kill9(server);
      await lanes;
      const mid = await stored();
      assert.ok(mid < BATCHES * PER, `killed while applying (${mid} stored)`);

      // 3. Restarted, with SDK-style retries of everything: each event lands exactly once.
      server = await startServer(env, port);
      for (let b = 0; b < BATCHES; b++) assert.ok(await send(b), `batch ${b} after restart`);
      await waitFor('all applied', async () => (await stored()) >= BATCHES * PER, 120_000);
      await new Promise((r) => setTimeout(r, 1_000));
      await kill9(server);
      const counts = await countRows(env, `SELECT count(*)::int AS events, count(DISTINCT message_id)::int AS distinct_ids FROM events WHERE message_id LIKE 'crash-%'`);
      assert.equal(counts.events, BATCHES * PER);
      assert.equal(counts.distinct_ids, BATCHES * PER);
      const people = await countRows(env, `SELECT count(DISTINCT c.canonical_id)::int AS n FROM identities i JOIN customers c ON c.id = i.customer_id AND c.workspace_id = i.workspace_id WHERE i.id_type = 'user_id'`);
      assert.equal(people.n, 250, 'one profile per user despite the crashes');
    } finally {
      await pe.cleanup();
      await deleteStream(stream);
    }
  });
});
