// Scheduled refits: every workspace's CLV model is refitted once a day (and at start when the last fit is older),
// through the same path as an operator's refit. A failed or too-small fit keeps the previous version, as always.
// Layer models (RFM, value quadrants) that a workspace has computed are refreshed on the same daily beat: recency
// and activity move with the calendar even when nothing is bought.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { DEFAULT_CLV, fitClv } from './clv.ts';
import { layersDue, refreshLayers } from '../layers/refresh.ts';

const DAY_MS = 86_400_000;
const CHECK_EVERY_MS = 3600_000;

export class ModelScheduler extends PollingWorker {
  constructor(
    private readonly ctx: AppContext,
    private readonly engine: UnderstandingEngine,
  ) {
    super('model refits', ctx.log, { pollMs: CHECK_EVERY_MS, firstAfterMs: 60_000 });
  }

  async runOnce(): Promise<boolean> {
    await this.runDue();
    return false;
  }

  /** Refits every workspace whose last CLV fit (of any outcome) is a day old or more, refreshes day-old layers; returns those refitted. */
  async runDue(): Promise<string[]> {
    const now = this.ctx.clock.now();
    const { rows } = await this.ctx.db.query<{ id: string }>(`SELECT id FROM workspaces ORDER BY created_at`);
    const refitted: string[] = [];
    for (const { id } of rows) {
      const result = await withTenant(this.ctx.db, id, async (tx) => {
        const last = await tx.query<{ at: Date | null }>(`SELECT max(trained_at) AS at FROM model_versions WHERE model = 'clv'`);
        const lastAt = last.rows[0]?.at;
        if (lastAt && now.getTime() - new Date(lastAt).getTime() < DAY_MS) return null;
        const buyers = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE order_count > 0 AND merged_into IS NULL`);
        if (buyers.rows[0].n === 0) return null; // nothing to learn from; no version noise for empty workspaces
        return fitClv(tx, now, DEFAULT_CLV);
      });
      if (result) refitted.push(id);
      const layers = await withTenant(this.ctx.db, id, (tx) => layersDue(tx, now, DAY_MS));
      // The layer refresh ends with a full recompute, which also carries a new CLV version into the rules.
      if (layers) await refreshLayers(this.ctx, this.engine, id, now);
      else if (result?.status === 'active') await this.engine.recomputeAll(id);
      if (result?.status === 'active') this.ctx.changes.customersChanged(id, result.crossedIntoHighChurnRisk);
    }
    return refitted;
  }
}
