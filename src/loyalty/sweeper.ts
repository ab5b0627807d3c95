// Time passing in the loyalty programme, in the background every few seconds across workspaces: points expire and
// are announced before they do, unconfirmed holds, coupon locks and unpaid mall orders are released, tiers are
// reviewed at the end of their period (with a warning before), and bulk coupon issues advance. Each member or
// checkout is settled in its own transaction.
import type { AppContext } from '../kernel/context.ts';
import { type TenantTx, withTenant } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import { expireMember } from './ledger.ts';
import { emitEntries, emitEvents } from './events.ts';
import { type LoadedProgram, loadProgram } from './program.ts';
import { reviewMember, tiersOn, warnMember } from './tiers.ts';
import { releaseCoupons } from './coupons/checkout.ts';
import { runIssueChunk } from './coupons/jobs.ts';
import { changeOrder } from './mall/mall.ts';
import { rootOf } from '../identity/roots.ts';

const BATCH = 200;
const DAY = 86_400_000;

export class PointsSweeper extends PollingWorker {
  constructor(private readonly ctx: AppContext, pollMs = 5000) {
    super('points sweeper', ctx.log, { pollMs });
  }

  /** One pass of every kind of due work; true when there may be more. */
  async runOnce(): Promise<boolean> {
    const now = this.ctx.clock.now();
    const more = [
      await runIssueChunk(this.ctx),
      // Unpaid mall orders before the points pass, so their holds are released by the cancellation that returns stock.
      await this.cancelUnpaidOrders(now),
      await this.releaseCouponLocks(now),
    ];
    const expired = await this.expirePoints(now);
    const workspaces = await this.ctx.db.query<{ workspace_id: string }>(`SELECT workspace_id FROM loyalty_programs`);
    let tiers = false;
    for (const { workspace_id } of workspaces.rows) tiers = (await this.settleWorkspace(workspace_id, now)) || tiers;
    return more.some(Boolean) || expired || tiers;
  }

  private async expirePoints(now: Date): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ workspace_id: string; customer_id: string }>(
      `SELECT DISTINCT workspace_id, customer_id FROM (
         (SELECT workspace_id, customer_id FROM points_lots WHERE remaining > 0 AND expires_at <= $1 LIMIT ${BATCH})
         UNION ALL
         (SELECT workspace_id, customer_id FROM points_holds WHERE status = 'held' AND expires_at <= $1 LIMIT ${BATCH})) due`,
      [now],
    );
    for (const row of rows) {
      await withTenant(this.ctx.db, row.workspace_id, async (tx) => {
        const root = await rootOf(tx, Number(row.customer_id));
        await emitEntries(tx, await expireMember(tx, root, now));
      });
    }
    return rows.length >= BATCH;
  }

  private async cancelUnpaidOrders(now: Date): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ workspace_id: string; id: string }>(
      `SELECT workspace_id, id FROM mall_orders WHERE status = 'pending_payment' AND expires_at <= $1 ORDER BY expires_at LIMIT ${BATCH}`, [now],
    );
    for (const row of rows) {
      await withTenant(this.ctx.db, row.workspace_id, (tx) => changeOrder(tx, Number(row.id), 'cancel', now, 'system:payment-timeout'));
    }
    return rows.length >= BATCH;
  }

  private async releaseCouponLocks(now: Date): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ workspace_id: string; lock_reference: string }>(
      `SELECT DISTINCT workspace_id, lock_reference FROM (SELECT workspace_id, lock_reference FROM coupons WHERE status = 'locked' AND locked_until <= $1 LIMIT ${BATCH}) due`, [now],
    );
    for (const row of rows) await withTenant(this.ctx.db, row.workspace_id, (tx) => releaseCoupons(tx, row.lock_reference));
    return rows.length >= BATCH;
  }

  /** One transaction per workspace with a programme: tier reviews and warnings, then expiring-points notices. */
  private async settleWorkspace(workspaceId: string, now: Date): Promise<boolean> {
    const { more, changed } = await withTenant(this.ctx.db, workspaceId, async (tx) => {
      const program = await loadProgram(tx);
      const tiers = tiersOn(program) ? await reviewTiers(tx, program, now) : { more: false, changed: [] };
      await announceExpiring(tx, program, now);
      return tiers;
    });
    if (changed.length) this.ctx.changes.customersChanged(workspaceId, changed);
    return more;
  }
}

/** Reviews tiers whose period ended and warns members whose review is near. */
async function reviewTiers(tx: TenantTx, program: LoadedProgram, now: Date): Promise<{ more: boolean; changed: number[] }> {
  const due = await tx.query<{ customer_id: string; review: boolean }>(
    `SELECT customer_id, review_at <= $2 AS review FROM member_tiers
      WHERE workspace_id = $1 AND (review_at <= $2 OR (warned_at IS NULL AND review_at <= $3)) ORDER BY review_at LIMIT ${BATCH}`,
    [tx.workspaceId, now, new Date(now.getTime() + program.tiers.warnDays * DAY)],
  );
  for (const row of due.rows) {
    const root = Number(row.customer_id);
    await emitEvents(tx, row.review ? await reviewMember(tx, program, root, now) : await warnMember(tx, program, root, now));
  }
  return { more: due.rows.length >= BATCH, changed: due.rows.map((r) => Number(r.customer_id)) };
}

/** One points_expiring event per member for lots that expire within the notice period, sent once per lot. */
async function announceExpiring(tx: TenantTx, program: LoadedProgram, now: Date) {
  if (program.expiringNoticeDays === 0) return;
  const { rows } = await tx.query<{ customer_id: string; points: string; first: Date; lots: string[] }>(
    `WITH due AS (
       UPDATE points_lots SET notified_at = $2 WHERE workspace_id = $1 AND remaining > 0 AND notified_at IS NULL AND expires_at > $2 AND expires_at <= $3
       RETURNING customer_id, remaining, expires_at, id)
     SELECT customer_id, sum(remaining) AS points, min(expires_at) AS first, array_agg(id::text) AS lots FROM due GROUP BY customer_id`,
    [tx.workspaceId, now, new Date(now.getTime() + program.expiringNoticeDays * DAY)],
  );
  await emitEvents(tx, rows.map((r) => ({
    key: `points-expiring:${r.customer_id}:${r.lots.sort().join('-').slice(0, 200)}`, customerId: Number(r.customer_id), event: 'points_expiring', at: now,
    properties: { points: Number(r.points), expires_at: new Date(r.first).toISOString(), days_left: Math.ceil((new Date(r.first).getTime() - now.getTime()) / DAY) },
  })));
}
