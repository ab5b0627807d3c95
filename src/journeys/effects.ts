// What runs do to customers, collected while they advance and written set-based at the end of the batch, in the
// batch's transaction: tags, attributes, staff tasks, points and coupons. Sends are decided separately by the gate.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError } from '../kernel/errors.ts';
import { loadProgram } from '../loyalty/program.ts';
import { earn } from '../loyalty/ledger.ts';
import { expiryFor } from '../loyalty/earn.ts';
import { emitEntries } from '../loyalty/events.ts';
import { issueCoupon } from '../loyalty/coupons/issue.ts';
import { tagByKey } from '../tags/publish.ts';
import type { RewardNode, Run, SendNode } from './run.ts';

/** Effects collected while runs advance, written set-based at the end of the batch. */
export class Effects {
  sends: { run: Run; key: string; node: SendNode }[] = [];
  tag: { tag: string; customerId: number; source: string }[] = [];
  untag: { tag: string; customerId: number; source: string }[] = [];
  attributes: { customerId: number; attribute: string; value: unknown }[] = [];
  tasks: { key: string; customerId: number; title: string; assignee: string | null; source: string; dueAt: Date }[] = [];
  rewards: { run: Run; key: string; node: RewardNode }[] = [];

  changedCustomers(): number[] {
    return [...new Set([...this.tag, ...this.untag, ...this.attributes].map((x) => x.customerId))];
  }

  async apply(ctx: AppContext, tx: TenantTx, now: Date) {
    const ws = tx.workspaceId;
    await tagByKey(tx, this.tag, this.untag, now);
    for (const a of this.attributes) {
      await tx.query(`UPDATE customers SET traits = jsonb_set(traits, $3, $4::jsonb), updated_at = $5 WHERE workspace_id = $1 AND id = $2`,
        [ws, a.customerId, [a.attribute], JSON.stringify(a.value), now]);
    }
    if (this.tasks.length) {
      await tx.query(
        `INSERT INTO staff_tasks (workspace_id, idem_key, customer_id, title, assignee, source, due_at, created_at)
         SELECT $1, u.k, u.c, u.t, u.a, u.s, u.d, $2 FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS u(k, c, t, a, s, d)
         ON CONFLICT (workspace_id, idem_key) DO NOTHING`,
        [ws, now, this.tasks.map((t) => t.key), this.tasks.map((t) => t.customerId), this.tasks.map((t) => t.title), this.tasks.map((t) => t.assignee),
         this.tasks.map((t) => t.source), this.tasks.map((t) => t.dueAt)]);
    }
    if (this.rewards.length) {
      const program = await loadProgram(tx);
      for (const { run, key, node } of this.rewards) {
        // A reward the programme refuses (limit reached, stock out) is recorded on the node, not retried forever.
        await tx.query('SAVEPOINT reward');
        try {
          if (node.type === 'points') {
            const entry = await earn(tx, program, run.customer_id, node.points, {
              sourceType: 'journey', sourceId: `${run.journey_id}:${run.node}:${run.id}`, key, expiresAt: expiryFor(program, now), detail: { journey_id: run.journey_id },
            }, now);
            await emitEntries(tx, [entry]);
          } else {
            await issueCoupon(tx, node.templateId, run.customer_id, { sourceType: 'journey', sourceId: `${run.journey_id}:${run.id}`, key }, now);
          }
          await tx.query('RELEASE SAVEPOINT reward');
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT reward');
          if (!(err instanceof AppError)) throw err;
          ctx.log.warn({ run: run.id, node: run.node, reason: err.message }, 'journey reward refused');
        }
      }
    }
  }
}
