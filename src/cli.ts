// siyu CLI: the kernel's commands (start, migrate, workspace, pii) and each module's own (demo, import, ...).
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from './kernel/config.ts';
import { rotateKeyFile } from './kernel/crypto/keyring.ts';
import type { CliContext } from './kernel/module.ts';
import type { AppContext } from './kernel/context.ts';
import { closeContext, createPlatform, openContext, type Platform } from './server.ts';
import { createOperator, createWorkspace } from './access/workspaces.ts';
import { loadDemo, DEMO_OWNER } from './demo/load.ts';
import { MODULES } from './modules.ts';

const moduleCommands = MODULES.flatMap((m) => m.cli ?? []);

const HELP = `siyu — private-domain customer operations platform

  siyu start                          start API + console (embedded PostgreSQL unless DATABASE_URL is set)
  siyu migrate                        apply database migrations and exit
  siyu workspace create NAME [--json] create a workspace; prints its id, write key and secret key
  siyu pii rotate                     add a new PII data key and re-encrypt stored PII with it
${moduleCommands.map((c) => `  siyu ${c.usage}`).join('\n')}

Environment: PORT (8080), SIYU_DATA_DIR (./data), DATABASE_URL, SIYU_PII_KEY or SIYU_PII_KEY_FILE, SIYU_DEMO=0 to skip the demo.`;

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const config = loadConfig();
  const platforms = new WeakMap<AppContext, Platform>();
  const cli: CliContext = {
    config,
    async open(opts) {
      if (!opts?.http) return openContext(config);
      const platform = await createPlatform(config, { runImports: false });
      platforms.set(platform.ctx, platform);
      return platform.ctx;
    },
    close: (ctx) => platforms.get(ctx)?.close() ?? closeContext(ctx),
  };
  const fromModule = moduleCommands.find((c) => c.name === command);
  if (fromModule) return fromModule.run(rest, cli);
  switch (command) {
    case 'start':
      return start(config);
    case 'migrate': {
      await cli.close(await cli.open());
      console.log('migrations applied');
      return;
    }
    case 'workspace':
      return workspaceCommand(cli, rest);
    case 'pii':
      return piiCommand(cli, rest);
    default:
      console.log(HELP);
      if (command && command !== 'help' && command !== '--help') process.exitCode = 2;
  }
}

async function start(config: Config) {
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

async function workspaceCommand(cli: CliContext, args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, owner: { type: 'string' }, password: { type: 'string' } } });
  if (positionals[0] !== 'create' || !positionals[1]) throw new Error('usage: siyu workspace create NAME [--json] [--owner EMAIL --password PW]');
  const ctx = await cli.open();
  let created;
  try {
    created = await createWorkspace(ctx.db, positionals[1]);
    if (values.owner) await createOperator(ctx.db, created.id, values.owner, values.owner, values.password ?? '', 'owner');
  } finally {
    await cli.close(ctx);
  }
  if (values.json) console.log(JSON.stringify({ id: created.id, name: created.name, writeKey: created.writeKey, secretKey: created.secretKey }));
  else console.log(`workspace ${created.id} (${created.name})\n  write key:  ${created.writeKey}\n  secret key: ${created.secretKey}`);
}

async function piiCommand(cli: CliContext, args: string[]) {
  if (args[0] !== 'rotate') throw new Error('usage: siyu pii rotate');
  if (cli.config.piiKey) throw new Error('SIYU_PII_KEY is set: rotate by moving to a key file (SIYU_PII_KEY_FILE) first');
  const version = rotateKeyFile(cli.config.piiKeyFile);
  const ctx = await cli.open();
  try {
    const counts: Record<string, number> = {};
    for (const reseal of ctx.hooks.list('reseal')) Object.assign(counts, await reseal(ctx));
    console.log(JSON.stringify({ current: version, ...counts }));
  } finally {
    await cli.close(ctx);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`siyu: ${err?.message ?? err}`);
  process.exit(1);
});
