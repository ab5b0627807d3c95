// siyu CLI: start, migrate, workspace create, demo, import, pii rotate.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './kernel/config.ts';
import { withTenant } from './kernel/tenant.ts';
import { rotateKeyFile } from './kernel/crypto/keyring.ts';
import { createPlatform, openContext } from './server.ts';
import { createOperator, createWorkspace } from './access/workspaces.ts';
import { loadDemo, DEMO_OWNER } from './demo/load.ts';
import { createImport, getImport, importOptions } from './ingest/imports/imports.ts';
import { ImportRunner } from './ingest/imports/runner.ts';
import type { AppContext } from './kernel/context.ts';

const HELP = `siyu — private-domain customer operations platform

  siyu start                          start API + console (embedded PostgreSQL unless DATABASE_URL is set)
  siyu migrate                        apply database migrations and exit
  siyu workspace create NAME [--json] create a workspace; prints its id, write key and secret key
  siyu demo --customers N [--workspace ID] [--seed S]
                                      generate the demo brand through the ingest path
  siyu import FILE --kind customers|orders|events --workspace ID [--timezone TZ] [--currency CNY] [--money-unit major|minor]
  siyu pii rotate                     add a new PII data key and re-encrypt stored PII with it

Environment: PORT (8080), SIYU_DATA_DIR (./data), DATABASE_URL, SIYU_PII_KEY or SIYU_PII_KEY_FILE, SIYU_DEMO=0 to skip the demo.`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start':
      return start(config);
    case 'migrate': {
      const ctx = await openContext(config);
      await ctx.db.close();
      console.log('migrations applied');
      return;
    }
    case 'workspace':
      return workspaceCommand(config, rest);
    case 'demo':
      return demoCommand(config, rest);
    case 'import':
      return importCommand(config, rest);
    case 'pii':
      return piiCommand(config, rest);
    default:
      console.log(HELP);
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

async function start(config: ReturnType<typeof loadConfig>) {
  // Background imports start once the server answers: on the embedded database they would otherwise queue ahead of
  // start-up (a resumed import after a crash can run for minutes).
  const platform = await createPlatform(config, { runImports: false });
  const { ctx } = platform;
  const { rows } = await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM workspaces`);
  if (rows[0].n === 0 && config.demoOnFirstStart) {
    ctx.log.info({ customers: config.demoCustomers }, 'first start: loading the demo brand');
    const demo = await loadDemo(ctx, { customers: config.demoCustomers, seed: 2026 });
    ctx.log.info({ workspace: demo.workspaceId, ...demo.counts }, 'demo brand loaded');
  }
  await platform.app.listen({ port: config.port, host: config.host });
  platform.startBackground();
  console.log(`\nSiyu is running: http://localhost:${config.port}  (API docs: /docs)`);
  console.log(`Demo login: ${DEMO_OWNER.email} / ${DEMO_OWNER.password}\n`);
  const shutdown = async () => {
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

async function withContext<T>(config: ReturnType<typeof loadConfig>, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(config);
  try {
    return await fn(ctx);
  } finally {
    await ctx.db.close();
  }
}

async function workspaceCommand(config: ReturnType<typeof loadConfig>, args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, owner: { type: 'string' }, password: { type: 'string' } } });
  if (positionals[0] !== 'create' || !positionals[1]) throw new Error('usage: siyu workspace create NAME [--json] [--owner EMAIL --password PW]');
  const created = await withContext(config, async (ctx) => {
    const ws = await createWorkspace(ctx.db, positionals[1]);
    if (values.owner) await createOperator(ctx.db, ws.id, values.owner, values.owner, values.password ?? '', 'owner');
    return ws;
  });
  if (values.json) console.log(JSON.stringify({ id: created.id, name: created.name, writeKey: created.writeKey, secretKey: created.secretKey }));
  else console.log(`workspace ${created.id} (${created.name})\n  write key:  ${created.writeKey}\n  secret key: ${created.secretKey}`);
}

async function demoCommand(config: ReturnType<typeof loadConfig>, args: string[]) {
  const { values } = parseArgs({ args, options: { customers: { type: 'string', default: '2000' }, workspace: { type: 'string' }, seed: { type: 'string', default: '2026' } } });
  const customers = Number(values.customers);
  if (!Number.isInteger(customers) || customers < 1) throw new Error('--customers must be a positive integer');
  await withContext(config, async (ctx) => {
    const started = Date.now();
    const demo = await loadDemo(ctx, {
      customers, seed: Number(values.seed), workspaceId: values.workspace,
      onProgress: (done) => process.stderr.write(`\r  ${done}/${customers} customers`),
    });
    process.stderr.write('\n');
    console.log(JSON.stringify({ workspace: demo.workspaceId, ...demo.counts, seconds: (Date.now() - started) / 1000 }));
  });
}

async function importCommand(config: ReturnType<typeof loadConfig>, args: string[]) {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { kind: { type: 'string' }, workspace: { type: 'string' }, timezone: { type: 'string' }, currency: { type: 'string' }, 'money-unit': { type: 'string' } },
  });
  const file = positionals[0];
  const kind = values.kind as 'customers' | 'orders' | 'events';
  if (!file || !['customers', 'orders', 'events'].includes(kind ?? '')) {
    throw new Error('usage: siyu import FILE --kind customers|orders|events [--workspace ID]');
  }
  await withContext(config, async (ctx) => {
    const ws = values.workspace ?? (await onlyWorkspace(ctx));
    const id = await withTenant(ctx.db, ws, async (tx) => {
      const tz = (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces`)).rows[0]?.timezone;
      if (!tz) throw new Error(`workspace ${ws} does not exist`);
      const options = importOptions({ timezone: values.timezone, currency: values.currency, moneyUnit: values['money-unit'] as any }, tz);
      return createImport(ctx, tx, { kind, filename: path.basename(file), filePath: path.resolve(file), options, createdBy: 'cli' });
    });
    const runner = new ImportRunner(ctx, { leaseMs: config.importLeaseMs, pollMs: 200, chunkRows: 2000 });
    const timer = setInterval(async () => {
      const v = await withTenant(ctx.db, ws, (tx) => getImport(tx, id));
      process.stderr.write(`\r  ${Math.round(v.progress * 100)}%  ${v.rowsDone} rows (${v.rowsError} with errors)`);
    }, 1000);
    const started = Date.now();
    await runner.runOnce();
    clearInterval(timer);
    const result = await withTenant(ctx.db, ws, (tx) => getImport(tx, id));
    process.stderr.write('\n');
    console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }, null, 2));
    if (result.status !== 'done') process.exitCode = 1;
  });
}

/** Without --workspace, a database holding exactly one workspace means that one. */
async function onlyWorkspace(ctx: AppContext): Promise<string> {
  const { rows } = await ctx.db.query<{ id: string; name: string }>(`SELECT id, name FROM workspaces ORDER BY created_at`);
  if (rows.length === 1) return rows[0].id;
  if (rows.length === 0) throw new Error('no workspace yet: run `siyu workspace create NAME` or `siyu start` (demo brand) first');
  throw new Error(`several workspaces exist; pass --workspace with one of: ${rows.map((r) => `${r.id} (${r.name})`).join(', ')}`);
}

async function piiCommand(config: ReturnType<typeof loadConfig>, args: string[]) {
  if (args[0] !== 'rotate') throw new Error('usage: siyu pii rotate');
  if (config.piiKey) throw new Error('SIYU_PII_KEY is set: rotate by moving to a key file (SIYU_PII_KEY_FILE) first');
  const version = rotateKeyFile(config.piiKeyFile);
  const { reencryptAll } = await import('./kernel/crypto/reencrypt.ts');
  const counts = await withContext(config, (ctx) => reencryptAll(ctx));
  console.log(JSON.stringify({ current: version, ...counts }));
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`siyu: ${err?.message ?? err}`);
  process.exit(1);
});
