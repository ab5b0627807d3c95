// `siyu demo --customers N [--workspace ID] [--seed S]`: the demo brand, generated through the platform's own paths.
import { parseArgs } from 'node:util';
import type { CliCommand } from '../kernel/module.ts';
import { loadDemo } from './load.ts';

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: 'demo --customers N [--workspace ID] [--seed S]    generate the demo brand through the ingest path',
  async run(args, cli) {
    const { values } = parseArgs({ args, options: { customers: { type: 'string', default: '2000' }, workspace: { type: 'string' }, seed: { type: 'string', default: '2026' } } });
    const customers = Number(values.customers);
    if (!Number.isInteger(customers) || customers < 1) throw new Error('--customers must be a positive integer');
    const ctx = await cli.open({ http: true });
    try {
      const started = Date.now();
      const demo = await loadDemo(ctx, {
        customers, seed: Number(values.seed), workspaceId: values.workspace,
        onProgress: (done) => process.stderr.write(`\r  ${done}/${customers} customers`),
      });
      process.stderr.write('\n');
      console.log(JSON.stringify({ workspace: demo.workspaceId, ...demo.counts, seconds: (Date.now() - started) / 1000 }));
    } finally {
      await cli.close(ctx);
    }
  },
};
