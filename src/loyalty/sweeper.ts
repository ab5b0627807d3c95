// Time passing in the ledger: lots whose expiry has come are expired, holds nobody confirmed are released. Runs in
// the background every few seconds across workspaces; each member is settled in its own transaction.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { Poller } from '../kernel/poller.ts';
import { expireMember, memberRoot } from './ledger.ts';
import { emitEntries } from './events.ts';

const BATCH = 200;

export class PointsSweeper {
  private readonly poller: Poller;

  constructor(private readonly ctx: AppContext, pollMs = 5000) {
    this.poller = new Poller(() => this.runOnce(), pollMs, (err) => ctx.log.error({ err }, 'points expiry sweep failed'));
  }

  start() {
    this.poller.start();
  }

  stop() {
    return this.poller.stop();
  }

  /** Settles up to a batch of members with something due; true when there may be more. */
  async runOnce(): Promise<boolean> {
    const now = this.ctx.clock.now();
    const { rows } = await this.ctx.db.query<{ workspace_id: string; customer_id: string }>(
      `SELECT DISTINCT workspace_id, customer_id FROM (
         (SELECT workspace_id, customer_id FROM points_lots WHERE remaining > 0 AND expires_at <= $1 LIMIT ${BATCH})
         UNION ALL
         (SELECT workspace_id, customer_id FROM points_holds WHERE status = 'held' AND expires_at <= $1 LIMIT ${BATCH})) due`,
      [now],
    );
    for (const row of rows) {
      await withTenant(this.ctx.db, row.workspace_id, async (tx) => {
        const root = await memberRoot(tx, Number(row.customer_id));
        await emitEntries(tx, await expireMember(tx, root, now));
      });
    }
    return rows.length >= BATCH;
  }
}
