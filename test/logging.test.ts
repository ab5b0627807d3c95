// What reaches the log: errors keep their message and stack, never the data or the credentials around them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform } from './helpers/platform.ts';

describe('log redaction', () => {
  it('keeps the database parameters of an error, passwords and write keys out of the log', async () => {
    const lines: string[] = [];
    const t = await startPlatform('pglite', { logDestination: { write: (line: string) => void lines.push(line) } });
    try {
      // A real PGlite error: it carries every bound parameter, which for an ingest batch is customer data.
      const err = await t.platform.ctx.db.query('SELECT 1 / ($1::int - $1::int)', ['1380000111']).catch((e) => e);
      assert.deepEqual(err.params, ['1380000111'], 'the error object holds the parameter');
      t.platform.app.log.error({ err }, 'unhandled error'); // as the HTTP error handler logs it
      t.platform.ctx.log.error({ operator: { email: 'a@b.cn', password: 'hunter2-secret' }, key: { writeKey: 'wk_live_secret' } }, 'a failure');
      const text = lines.join('');
      assert.match(text, /division by zero/, 'the error itself is logged');
      for (const secret of ['1380000111', 'hunter2-secret', 'wk_live_secret']) assert.ok(!text.includes(secret), `${secret} is not in the log`);
      assert.equal(text.match(/\[Redacted\]/g)?.length, 3);
    } finally {
      await t.close();
    }
  });
});
