// `siyu import FILE --kind ...`: a file imported through the same runner the console's uploads use, with progress.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { AppContext } from '../../kernel/context.ts';
import type { CliCommand } from '../../kernel/module.ts';
import { withTenant } from '../../kernel/tenant.ts';
import { createImport, getImport, importOptions } from './imports.ts';
import { ImportRunner } from './runner.ts';

export const importCommand: CliCommand = {
  name: 'import',
  usage: 'import FILE --kind customers|orders|events [--workspace ID] [--timezone TZ] [--currency CNY] [--money-unit major|minor]',
  async run(args, cli) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        kind: { type: 'string' },
        workspace: { type: 'string' },
        timezone: { type: 'string' },
        currency: { type: 'string' },
        'money-unit': { type: 'string' },
      },
    });
    const file = positionals[0];
    const kind = values.kind as 'customers' | 'orders' | 'events';
    if (!file || !['customers', 'orders', 'events'].includes(kind ?? '')) {
      throw new Error('usage: siyu import FILE --kind customers|orders|events [--workspace ID]');
    }
    const ctx = await cli.open();
    try {
      const ws = values.workspace ?? (await onlyWorkspace(ctx));
      const id = await withTenant(ctx.db, ws, async (tx) => {
        const tz = (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces`)).rows[0]?.timezone;
        if (!tz) throw new Error(`workspace ${ws} does not exist`);
        const options = importOptions({ timezone: values.timezone, currency: values.currency, moneyUnit: values['money-unit'] as 'major' | 'minor' | undefined }, tz);
        return createImport(ctx, tx, { kind, filename: path.basename(file), filePath: path.resolve(file), options, createdBy: 'cli' });
      });
      const runner = new ImportRunner(ctx, { leaseMs: cli.config.importLeaseMs, pollMs: 200, chunkRows: 2000 });
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
    } finally {
      await cli.close(ctx);
    }
  },
};

/** Without --workspace, a database holding exactly one workspace means that one. */
async function onlyWorkspace(ctx: AppContext): Promise<string> {
  const { rows } = await ctx.db.query<{ id: string; name: string }>(`SELECT id, name FROM workspaces ORDER BY created_at`);
  if (rows.length === 1) return rows[0].id;
  if (rows.length === 0) throw new Error('no workspace yet: run `siyu workspace create NAME` or `siyu start` (demo brand) first');
  throw new Error(`several workspaces exist; pass --workspace with one of: ${rows.map((r) => `${r.id} (${r.name})`).join(', ')}`);
}
