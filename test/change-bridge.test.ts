// Two processes on one PostgreSQL server: what a customer does through one is known to the other's understanding
// engine at once (audience counts, segment membership), and definitions made through one are evaluated by both;
// carried by the change bridge (LISTEN/NOTIFY).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, waitFor, type TestPlatform } from './helpers/platform.ts';

describe('change feed across processes (postgres)', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  let a: TestPlatform;
  let b: TestPlatform;
  before(async () => {
    a = await startPlatform('postgres', { runImports: false });
    b = await startPlatform('postgres', { runImports: false, joinSchema: a.schema });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  /** Process B's live count for a rule in A's workspace (its engine's memory, no database read). */
  const countOnB = async (rule: unknown) => {
    const res = await fetch(`${b.url}/v1/segments/preview`, {
      method: 'POST', headers: { authorization: `Bearer ${a.ws.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ rule }),
    });
    assert.equal(res.status, 200);
    return ((await res.json()) as { count: number }).count;
  };

  it('an order placed through one process moves the audience counted by the other', async () => {
    const buyers = { field: 'order_count', op: 'gte', value: 1 };
    assert.equal(await countOnB(buyers), 0, 'B has loaded the workspace: nobody has ordered');
    for (const user of ['ann', 'bob']) {
      const res = await a.track('/v1/orders', { order_id: `o-${user}`, customer: { user_id: user }, amount: 9900, placed_at: new Date().toISOString() });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await waitFor('B to count both buyers', async () => (await countOnB(buyers)) === 2, 10_000);

    // A segment defined through B follows events sent through A.
    const seg = await fetch(`${b.url}/v1/segments`, {
      method: 'POST', headers: { authorization: `Bearer ${a.ws.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'big', name: 'big', rule: { field: 'total_spent', op: 'gte', value: 15000 } }),
    });
    assert.equal(seg.status, 201);
    const o = await a.track('/v1/orders', { order_id: 'o-ann-2', customer: { user_id: 'ann' }, amount: 9900, placed_at: new Date().toISOString() });
    assert.equal(o.status, 200);
    await waitFor('B to count ann as big', async () => (await countOnB({ segment: 'big', member: true })) === 1, 10_000);
    // A heard of the definition too: its engine recomputed and counts the segment it never saw defined.
    await waitFor('A to know the segment defined through B', async () => {
      const res = await a.api('POST', '/v1/segments/preview', { rule: { segment: 'big', member: true } });
      return res.status === 200 && res.body.count === 1;
    }, 10_000);
  });

  it('changes announced just before a process stops still reach the others', async () => {
    const heard = new Set<number>();
    const listen = (c: { workspaceId: string; customerIds: number[]; remote?: boolean }) => {
      if (c.remote && c.workspaceId === 'ws_leaving') c.customerIds.forEach((id) => heard.add(id));
    };
    b.platform.ctx.changes.on('customers', listen);
    const c = await startPlatform('postgres', { runImports: false, joinSchema: a.schema });
    try {
      // 40,000 ids are 100 notices: still being sent when close() begins.
      c.platform.ctx.changes.customersChanged('ws_leaving', Array.from({ length: 40_000 }, (_, i) => i + 1));
      await c.close();
      await waitFor('B to hear every id', async () => heard.size === 40_000, 10_000);
    } finally {
      b.platform.ctx.changes.off('customers', listen);
    }
  });
});
