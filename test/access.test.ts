// Operators, roles, sessions, API keys, masking and the audit trail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loginCookie, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { createOperator } from '../src/access/workspaces.ts';

describe('workspaces and access', () => {
  let t: TestPlatform;
  let customerId: number;
  before(async () => {
    t = await startPlatform('pglite');
    await createOperator(t.platform.ctx.db, t.ws.id, 'analyst@test.dev', 'Ana', 'analyst-pw-1', 'analyst');
    const r = await t.track('/v1/identify', { userId: 'vip-1', traits: { name: '欧阳娜娜', phone: '13611112222', email: 'nana@example.com', address: '上海市静安区南京西路1号', birthday: '1995-06-18' } });
    customerId = r.body.results[0].customerId;
  });
  after(async () => t.close());

  it('logs an operator in with a session cookie and refuses wrong passwords without saying which part was wrong', async () => {
    const bad = await t.api('POST', '/v1/auth/login', { email: t.owner.email, password: 'nope' }, {});
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.message, 'Wrong email or password');
    const unknown = await t.api('POST', '/v1/auth/login', { email: 'ghost@test.dev', password: 'nope' }, {});
    assert.equal(unknown.body.error.message, 'Wrong email or password');
    const invalid = await t.api('POST', '/v1/auth/login', { email: 'not-an-email', password: 'x' }, {});
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.problems[0].field, 'body.email');
    const cookie = await loginCookie(t);
    const me = await t.api('GET', '/v1/auth/me', undefined, { cookie });
    assert.equal(me.body.actor.role, 'owner');
    assert.ok(me.body.permissions.includes('pii:read'));
    await t.api('POST', '/v1/auth/logout', undefined, { cookie });
    assert.equal((await t.api('GET', '/v1/auth/me', undefined, { cookie })).status, 401);
    const stored = await t.platform.ctx.db.query(`SELECT password_hash FROM operators WHERE email = $1`, [t.owner.email]);
    assert.match(stored.rows[0].password_hash, /^scrypt\$32768\$8\$1\$/);
  });

  it('masks PII by default, reveals it only to roles allowed to, and audits every reveal', async () => {
    const masked = (await t.api('GET', `/v1/customers/${customerId}`)).body;
    assert.deepEqual(masked.pii, { name: '欧***', phone: '136****2222', email: 'n***@example.com', address: '上海市静****', birthday: '****-**-**' });
    const analyst = await loginCookie(t, 'analyst@test.dev', 'analyst-pw-1');
    const denied = await t.api('GET', `/v1/customers/${customerId}?reveal=true`, undefined, { cookie: analyst });
    assert.equal(denied.status, 403);
    assert.match(denied.body.error.message, /analyst/);
    const owner = await loginCookie(t);
    const revealed = (await t.api('GET', `/v1/customers/${customerId}?reveal=true`, undefined, { cookie: owner })).body;
    assert.equal(revealed.pii.phone, '13611112222');
    assert.equal(revealed.pii.address, '上海市静安区南京西路1号');
    assert.ok(revealed.identities.some((i: any) => i.value === 'vip-1'));
    const audit = (await t.api('GET', '/v1/audit')).body.entries.filter((e: any) => e.action === 'pii.read');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].target_id, String(customerId));
    assert.equal(audit[0].actor_type, 'operator');
  });

  it('finds customers by phone, email, exact name and id through blind indexes', async () => {
    for (const q of ['13611112222', '+86 136 1111 2222', 'NANA@example.com', '欧阳娜娜', String(customerId), 'vip-1']) {
      const r = await t.api('GET', `/v1/customers?q=${encodeURIComponent(q)}`);
      assert.deepEqual(r.body.customers.map((c: any) => c.id), [customerId], q);
    }
    assert.equal((await t.api('GET', `/v1/customers?q=${encodeURIComponent('欧阳')}`)).body.customers.length, 0, 'names match exactly, not by substring');
  });

  it('issues keys that are shown once and stored only as hashes; revoked keys stop working', async () => {
    const created = await t.api('POST', '/v1/api-keys', { kind: 'write', name: 'mini-program' });
    assert.match(created.body.key, /^wk_/);
    const list = (await t.api('GET', '/v1/api-keys')).body.keys;
    assert.ok(!JSON.stringify(list).includes(created.body.key));
    const ok = await fetch(`${t.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${created.body.key}:`).toString('base64')}` }, body: '{"userId":"k","event":"e"}' });
    assert.equal(ok.status, 200);
    await t.api('DELETE', `/v1/api-keys/${created.body.id}`);
    const revoked = await fetch(`${t.url}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${created.body.key}:`).toString('base64')}` }, body: '{"userId":"k","event":"e"}' });
    assert.equal(revoked.status, 401);
    const analyst = await loginCookie(t, 'analyst@test.dev', 'analyst-pw-1');
    assert.equal((await t.api('POST', '/v1/api-keys', { kind: 'secret', name: 'x' }, { cookie: analyst })).status, 403);
  });

  it('isolates every table that holds workspace data (a new table cannot forget it)', async () => {
    const { rows } = await t.platform.ctx.db.query<{ table: string; rls: boolean }>(
      `SELECT c.relname AS table, c.relrowsecurity AS rls FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND a.attname = 'workspace_id' AND NOT a.attisdropped`);
    assert.ok(rows.length >= 25, `found ${rows.length} tenant tables`);
    // sessions are read only by the system role (REVOKEd from the tenant role), never inside a tenant transaction.
    assert.deepEqual(rows.filter((r) => !r.rls).map((r) => r.table), ['sessions']);
  });

  it('serves health, metrics and an OpenAPI document generated from the request schemas', async () => {
    assert.equal((await t.api('GET', '/healthz', undefined, {})).status, 200);
    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /siyu_events_ingested_total \d+/);
    const doc = (await t.api('GET', '/docs/json', undefined, {})).body;
    assert.equal(doc.openapi.slice(0, 1), '3');
    for (const p of ['/v1/batch', '/v1/identify', '/v1/orders', '/v1/orders/{orderId}/refunds', '/v1/imports', '/v1/customers/{id}', '/v1/merges/{id}/unmerge']) assert.ok(doc.paths[p], p);
    const track = doc.paths['/v1/track'].post.requestBody.content['application/json'].schema;
    assert.ok(track.required.includes('event'), 'the tracking schema is the one that validates');
    assert.equal((await t.api('GET', '/v1/nothing-here')).status, 404);
  });
});
