// The points ledger's invariants, checked straight in the database: for every account, the balance equals the sum
// of its entries and the sum of its live lots minus its debt, and the held points equal its open holds.
import assert from 'node:assert/strict';
import type { TestPlatform } from './platform.ts';
import { withTenant } from '../../src/kernel/tenant.ts';

export async function assertLedgerInvariants(t: TestPlatform, workspaceId = t.ws.id) {
  const { rows } = await withTenant(t.platform.ctx.db, workspaceId, (tx) => tx.query<{ customer_id: string; balance: string; held: string; debt: string; entries: string; lots: string; holds: string }>(
    `SELECT a.customer_id, a.balance, a.held, a.debt,
            (SELECT COALESCE(sum(points), 0) FROM points_entries e WHERE e.workspace_id = a.workspace_id AND e.customer_id = a.customer_id) AS entries,
            (SELECT COALESCE(sum(remaining), 0) FROM points_lots l WHERE l.workspace_id = a.workspace_id AND l.customer_id = a.customer_id) AS lots,
            (SELECT COALESCE(sum(points), 0) FROM points_holds h WHERE h.workspace_id = a.workspace_id AND h.customer_id = a.customer_id AND h.status = 'held') AS holds
       FROM points_accounts a WHERE a.workspace_id = $1`, [workspaceId]));
  for (const r of rows) {
    const [balance, held, debt, entries, lots, holds] = [r.balance, r.held, r.debt, r.entries, r.lots, r.holds].map(Number);
    assert.equal(balance, entries, `customer ${r.customer_id}: balance ${balance} ≠ sum of entries ${entries}`);
    assert.equal(balance, lots - debt, `customer ${r.customer_id}: balance ${balance} ≠ live lots ${lots} - debt ${debt}`);
    assert.equal(held, holds, `customer ${r.customer_id}: held ${held} ≠ open holds ${holds}`);
  }
  return rows.length;
}
