// OneID scenarios: each feeds messages through the real ingest path and checks who ended up being whom.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, startPlatform, type TestPlatform } from './helpers/platform.ts';
import { ingestMessages } from '../src/ingest/tracking/ingest.ts';
import { withTenant } from '../src/kernel/tenant.ts';
import { recordOrders } from '../src/ingest/orders/orders.ts';
import type { TrackingMessage } from '../src/ingest/tracking/schema.ts';

let seq = 0;
const m = (x: Partial<TrackingMessage> & { type: TrackingMessage['type'] }): TrackingMessage => ({ messageId: `id-${++seq}`, ...x }) as TrackingMessage;

for (const engine of ENGINES) {
  describe(`identity graph (${engine})`, () => {
    let t: TestPlatform;
    before(async () => (t = await startPlatform(engine)));
    after(async () => t.close());

    const send = async (...messages: TrackingMessage[]) =>
      ingestMessages(t.platform.ctx, t.ws.id, messages.map((message, index) => ({ index, message })));
    const q = async <T = any>(sql: string, params: unknown[] = []) => (await withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query<T>(sql, params))).rows;
    const rootOf = async (type: string, value: string) => {
      const res = await t.api('GET', `/v1/customers?q=${encodeURIComponent(value)}`);
      if (type === 'search') return res.body.customers.map((c: any) => c.id);
      return res.body.customers[0]?.id;
    };
    const customerOfMessage = async (messageId: string) => (await q<{ id: number }>(`SELECT c.canonical_id AS id FROM events e JOIN customers c ON c.id = e.customer_id WHERE e.message_id = $1`, [messageId]))[0]?.id;

    it('stitches anonymous browsing to the person who logs in, and a second device too', async () => {
      const [a, b] = await send(
        m({ type: 'page', anonymousId: 'dev-1', name: 'home', messageId: 's1-a' }),
        m({ type: 'page', anonymousId: 'dev-2', name: 'home', messageId: 's1-b' }),
      );
      assert.notEqual(a.customerId, b.customerId, 'two unknown devices are two profiles');
      await send(m({ type: 'identify', userId: 'alice', anonymousId: 'dev-1', traits: { phone: '13800001111', name: '李丽' } }));
      await send(m({ type: 'identify', userId: 'alice', anonymousId: 'dev-2' }));
      const alice = await customerOfMessage('s1-a');
      assert.equal(await customerOfMessage('s1-b'), alice, 'device 2 history joined alice');
      const merges = await q(`SELECT reason FROM merges WHERE winner_id = $1 OR loser_id = $1`, [alice]);
      assert.equal(merges.length, 1);
      assert.match(merges[0].reason, /stitched|device/);
    });

    it('never lets a shared device join two known people', async () => {
      await send(m({ type: 'identify', userId: 'bob', anonymousId: 'shop-tablet', traits: { phone: '13900002222' } }));
      const [r] = await send(m({ type: 'identify', userId: 'carol', anonymousId: 'shop-tablet', traits: { phone: '13900003333' } }));
      const bob = await rootOf('phone', '13900002222');
      const carol = await rootOf('phone', '13900003333');
      assert.notEqual(bob, carol);
      assert.equal(r.customerId, carol);
    });

    it('ignores junk identifiers: "null", "anonymous", "0" and placeholder phones never merge anyone', async () => {
      const res = await send(
        m({ type: 'identify', userId: 'null', anonymousId: 'junk-dev-1', traits: { phone: '13800000000' } }),
        m({ type: 'identify', userId: 'null', anonymousId: 'junk-dev-2', traits: { phone: '13800000000' } }),
        m({ type: 'track', userId: 'anonymous', anonymousId: '0', event: 'x' }),
      );
      assert.notEqual(res[0].customerId, res[1].customerId);
      assert.ok(res[0].warnings!.some((w) => w.field === 'userId'));
      assert.ok(res[0].warnings!.some((w) => w.field === 'traits.phone'));
      assert.equal(res[2].status, 'rejected', 'a message with only junk ids has nobody to belong to');
      const rows = await q(`SELECT count(*)::int AS n FROM identities WHERE id_type = 'user_id' AND value_masked LIKE 'n%'`);
      assert.equal(rows[0].n, 0);
    });

    it('merges two profiles a unique identifier proves are one person, explains it, and unmerge restores both', async () => {
      // A store order by phone creates one profile; the mini-program login creates another.
      await withTenant(t.platform.ctx.db, t.ws.id, (tx) => recordOrders(t.platform.ctx, tx, [{
        order_id: 'pos-1', kind: 'sale', customer: { phone: '13700004444' }, amount: 9900, currency: 'CNY', items: [], placed_at: '2026-01-02T10:00:00Z', properties: {},
      }]));
      await send(m({ type: 'identify', userId: 'dave', traits: { name: '周大卫', city: '杭州' }, messageId: 'dave-1' }));
      const store = await rootOf('phone', '13700004444');
      const online = await customerOfMessage('dave-1');
      assert.notEqual(store, online);
      // Later the same person logs in with both.
      await send(m({ type: 'identify', userId: 'dave', traits: { phone: '13700004444' }, messageId: 'dave-2' }));
      const merged = await rootOf('phone', '13700004444');
      assert.equal(await customerOfMessage('dave-1'), merged);
      assert.equal(merged, Math.min(store, online), 'the older profile survives');
      const view = (await t.api('GET', `/v1/customers/${merged}`)).body;
      assert.equal(view.stats.orderCount, 1);
      assert.equal(view.merges.length, 1);
      assert.match(view.merges[0].reason, /unique identifier/);
      assert.equal(view.pii.name, '周**');

      const unmerge = await t.api('POST', `/v1/merges/${view.merges[0].id}/unmerge`, { reason: '客服确认是两个人' });
      assert.equal(unmerge.status, 200, JSON.stringify(unmerge.body));
      const a = (await t.api('GET', `/v1/customers/${store}`)).body;
      const b = (await t.api('GET', `/v1/customers/${online}`)).body;
      assert.equal(a.id, store);
      assert.equal(b.id, online);
      assert.equal(a.stats.orderCount, 1, 'the order went back with the store profile');
      assert.equal(b.stats.orderCount, 0);
      assert.equal(a.pii.name, undefined, 'the borrowed name went back');
      assert.equal(b.pii.name, '周**');
      const again = await t.api('POST', `/v1/merges/${view.merges[0].id}/unmerge`, { reason: 'twice' });
      assert.equal(again.status, 409);
      // The operator's decision sticks: the same evidence does not merge them again.
      await send(m({ type: 'identify', userId: 'dave', traits: { phone: '13700004444' } }));
      assert.notEqual((await t.api('GET', `/v1/customers/${store}`)).body.id, (await t.api('GET', `/v1/customers/${online}`)).body.id);
      const conflicts = await q(`SELECT details FROM identity_conflicts WHERE kind = 'merge_blocked'`);
      assert.ok(conflicts.some((c: any) => /operator split/.test(c.details.reason)));
      const auditRows = await q(`SELECT action FROM audit_log WHERE action = 'customer.unmerge'`);
      assert.equal(auditRows.length, 1);
    });

    it('enforces per-type limits: a second phone is refused, and a merge that would give one person two phones is blocked', async () => {
      await send(m({ type: 'identify', userId: 'erin', traits: { phone: '13600005555' } }));
      const [r] = await send(m({ type: 'identify', userId: 'erin', traits: { phone: '13600006666' } }));
      assert.equal(r.status, 'accepted');
      const erin = await rootOf('phone', '13600005555');
      assert.equal(await rootOf('phone', '13600006666'), undefined, 'the second phone was not attached');
      const limit = await q(`SELECT details FROM identity_conflicts WHERE kind = 'limit_exceeded' AND customer_id = $1`, [erin]);
      assert.equal(limit[0].details.type, 'phone');

      await send(m({ type: 'identify', userId: 'frank', traits: { phone: '13600007777', member_no: 'M-1' } }));
      await send(m({ type: 'identify', userId: 'erin', traits: { member_no: 'M-1' } }));
      assert.notEqual(await rootOf('phone', '13600007777'), erin, 'two phones cannot become one person');
      const blocked = await q(`SELECT details FROM identity_conflicts WHERE kind = 'merge_blocked' AND details->>'reason' LIKE '%phone%'`);
      assert.equal(blocked.length, 1);
    });

    it('lets a caller declare an alias, merging even through an anonymous id', async () => {
      await send(m({ type: 'track', anonymousId: 'pre-login-9', event: 'Viewed', messageId: 'al-1' }));
      await send(m({ type: 'identify', userId: 'gina', messageId: 'al-2' }));
      await send(m({ type: 'alias', userId: 'gina', previousId: 'pre-login-9' }));
      assert.equal(await customerOfMessage('al-1'), await customerOfMessage('al-2'));
    });

    it('keeps workspaces apart in the data layer: a tenant query without a workspace filter sees only its own rows', async () => {
      const other = await import('../src/access/workspaces.ts').then((w) => w.createWorkspace(t.platform.ctx.db, 'Other brand'));
      await ingestMessages(t.platform.ctx, other.id, [{ index: 0, message: m({ type: 'identify', userId: 'alice', traits: { phone: '13500009999' } }) }]);
      const mine = await q<{ workspace_id: string }>(`SELECT DISTINCT workspace_id FROM customers`);
      assert.deepEqual(mine.map((r) => r.workspace_id), [t.ws.id]);
      await assert.rejects(
        withTenant(t.platform.ctx.db, t.ws.id, (tx) => tx.query(`INSERT INTO audit_log (workspace_id, actor_type, actor_id, action) VALUES ($1, 'x', 'x', 'x')`, [other.id])),
        /row-level security/,
      );
      // Over HTTP: the other brand's customer is invisible with this workspace's key.
      const theirs = await withTenant(t.platform.ctx.db, other.id, (tx) => tx.query<{ id: number }>(`SELECT id FROM customers`));
      const res = await t.api('GET', `/v1/customers?q=13500009999`);
      assert.equal(res.body.customers.length, 0);
      const direct = await t.api('GET', `/v1/customers/${theirs.rows[0].id}`);
      if (direct.status === 200) assert.notEqual(direct.body.pii.phone, '135****9999');
      else assert.equal(direct.status, 404);
    });

    it('never creates two profiles for one person under concurrent events', async () => {
      const phone = '13300001234';
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) => t.track('/v1/identify', { userId: `racer`, anonymousId: `race-dev-${i}`, traits: { phone }, messageId: `race-${i}` })),
      );
      assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)?.body));
      const ids = new Set(results.map((r) => r.body.results[0].customerId));
      const roots = new Set(await Promise.all([...ids].map(async (id) => (await t.api('GET', `/v1/customers/${id}`)).body.id)));
      assert.equal(roots.size, 1, `one person, got profiles ${[...roots]}`);
      const withPhone = await q(
        `SELECT count(DISTINCT c.canonical_id)::int AS n FROM identities i JOIN customers c ON c.id = i.customer_id WHERE i.id_type = 'phone' AND i.value_hash = $1`,
        [t.platform.ctx.pii.blindIndex('phone', phone)],
      );
      assert.equal(withPhone[0].n, 1);
    });
  });
}
