// The siyu CLI as a newcomer and an operator use it: create a workspace, load the demo, import, rotate PII keys.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processEnv, siyu } from './helpers/process.ts';
import { openDb } from '../src/kernel/db.ts';

describe('siyu CLI', () => {
  it('creates a workspace, loads a demo brand, imports a file without --workspace, and rotates the PII key', async () => {
    const pe = await processEnv('pglite');
    try {
      assert.match(siyu(pe.env, ['help']), /siyu start/);
      const ws = JSON.parse(siyu(pe.env, ['workspace', 'create', '测试品牌', '--json']).trim().split('\n').pop()!);
      assert.match(ws.id, /^ws_/);
      assert.match(ws.writeKey, /^wk_/);
      assert.match(ws.secretKey, /^sk_/);
      const demo = JSON.parse(siyu(pe.env, ['demo', '--customers', '150', '--workspace', ws.id, '--seed', '11']).trim().split('\n').pop()!);
      assert.equal(demo.customers, 150);
      assert.ok(demo.messages > 1000 && demo.orders > 50, JSON.stringify(demo));

      const file = path.join(os.tmpdir(), `cli-customers-${Date.now()}.csv`);
      fs.writeFileSync(file, 'phone,name,city\n13912121212,钱多多,苏州\n');
      const imported = JSON.parse(siyu(pe.env, ['import', file, '--kind', 'customers']));
      assert.equal(imported.status, 'done');
      assert.equal(imported.rowsOk, 1);

      const keyFile = path.join(pe.env.SIYU_DATA_DIR!, 'pii-keys.json');
      const before = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
      const rotated = JSON.parse(siyu(pe.env, ['pii', 'rotate']).trim());
      assert.equal(rotated.current, 'k2');
      assert.ok(rotated.identities > 100 && rotated.profiles > 100);
      const after = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
      assert.equal(after.index, before.index, 'the blind-index key survives rotation');
      const count = async (sql: string) => {
        const db = await openDb({ dataDir: pe.env.SIYU_DATA_DIR });
        try {
          return (await db.query<{ n: number }>(sql)).rows[0].n;
        } finally {
          await db.close();
        }
      };
      assert.equal(await count(`SELECT count(*)::int AS n FROM identities WHERE value_enc NOT LIKE 'k2:%'`), 0);
      // After rotation the same phone still finds the same person: blind indexes did not change.
      const profiles = await count(`SELECT count(*)::int AS n FROM customers`);
      fs.writeFileSync(file, 'phone,name,city\n13912121212,钱多多,南京\n');
      assert.equal(JSON.parse(siyu(pe.env, ['import', file, '--kind', 'customers'])).rowsOk, 1);
      assert.equal(await count(`SELECT count(*)::int AS n FROM customers`), profiles);
    } finally {
      await pe.cleanup();
    }
  });
});
