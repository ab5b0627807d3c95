// Import of the 541,909-line UCI Online Retail file end to end (upload, streaming parse, identity, orders).
import fs from 'node:fs';
import path from 'node:path';
import { startPlatform, waitFor, type Engine } from '../test/helpers/platform.ts';
import { report, seconds, type Row } from './lib.ts';

const UCI = path.resolve('../shared/data/retail/online_retail_uci_2010-12_2011-12.csv');

export async function benchImport(engines: Engine[]) {
  const rows: Row[] = [];
  for (const engine of engines) {
    const t = await startPlatform(engine);
    try {
      const started = performance.now();
      const form = new FormData();
      form.append('kind', 'orders');
      form.append('options', JSON.stringify({ timezone: 'Europe/London', currency: 'GBP' }));
      form.append('file', new Blob([new Uint8Array(fs.readFileSync(UCI))]), 'online_retail.csv');
      const created = await fetch(`${t.url}/v1/imports`, { method: 'POST', body: form, headers: { authorization: `Bearer ${t.ws.secretKey}` } }).then((r) => r.json());
      const done = await waitFor('import', async () => {
        const r = (await t.api('GET', `/v1/imports/${created.id}`)).body;
        return r.status === 'done' || r.status === 'failed' ? r : null;
      }, 600_000);
      const ms = performance.now() - started;
      const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
      rows.push({ engine, lines: done.rowsDone, imported: done.rowsOk, errors: done.rowsError, orders: done.summary.orders_created, seconds: seconds(ms), 'lines/s': Math.round(done.rowsDone / (ms / 1000)), 'rss MiB': rss });
    } finally {
      await t.close();
    }
  }
  report('import', rows, { file: 'UCI Online Retail, 48 MB, 541,909 lines', note: 'upload + streaming CSV parse + identity resolution + order grouping; chunks of 2,000 rows committed with their checkpoint' });
}
