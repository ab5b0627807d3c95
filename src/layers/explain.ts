// Why a customer is in a cell: the scores behind their RFM cell and value quadrant, derived when asked from the
// customer's facts and the last run's cut points and windows (stored in its summary) rather than stored for a
// million customers on every run. Facts that changed since the run (a new order) show here before the next one.
import type { TenantTx } from '../kernel/tenant.ts';
import { quadrantConfigSchema, rfmConfigSchema } from './config.ts';
import { layerConfig } from './refresh.ts';
import { quadrantOf } from './quadrant.ts';
import { scoreOne, type RfmCuts } from './rfm.ts';

const DAY = 86_400_000;

export interface LayerExplanation {
  customerId: number;
  rfm: { cell: string | null; taggedCell: string | null; scores: Record<string, number> } | null;
  quadrant: { cell: string; taggedCell: string | null; spent: number; activity: number; previous: number; change: number | null } | null;
}

export async function explainLayers(tx: TenantTx, customerIds: number[]): Promise<{ rfmComputedAt: Date | null; quadrantComputedAt: Date | null; customers: LayerExplanation[] }> {
  const rfm = await layerConfig(tx, 'rfm');
  const quad = await layerConfig(tx, 'quadrant');
  const rfmConfig = rfmConfigSchema.parse(rfm.config);
  const quadConfig = quadrantConfigSchema.parse(quad.config);
  const { rows: facts } = await tx.query<{ id: number; canonical_id: number; known: boolean; order_count: number; total_spent: string; last_order_at: Date | null }>(
    `SELECT id, canonical_id, NOT is_anonymous AS known, order_count, total_spent, last_order_at FROM customers WHERE id = ANY($1)`, [customerIds]);
  const { rows: tagged } = await tx.query<{ customer_id: number; key: string; source: string }>(
    `SELECT ct.customer_id, t.key, ct.source FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id
      WHERE ct.customer_id = ANY($1) AND ct.source IN ('model:rfm', 'model:quadrant')`, [customerIds]);
  const taggedCell = (id: number, source: string) => tagged.find((t) => Number(t.customer_id) === id && t.source === source)?.key ?? null;

  // Activity in the quadrant run's two windows, over every profile merged into each customer.
  const activity = new Map<number, { cur: number; prev: number }>();
  if (quad.computedAt) {
    const end = new Date(quad.computedAt);
    const split = new Date(end.getTime() - quadConfig.periodDays * DAY);
    const start = new Date(end.getTime() - 2 * quadConfig.periodDays * DAY);
    const { rows } = await tx.query<{ id: number; cur: number; prev: number }>(
      `WITH profiles AS (SELECT id, canonical_id FROM customers WHERE canonical_id = ANY($1)),
            a AS (SELECT customer_id, ts AS at FROM events WHERE customer_id IN (SELECT id FROM profiles) AND type IN ('track', 'page', 'screen') AND ts > $2 AND ts <= $4
                  UNION ALL
                  SELECT customer_id, placed_at FROM orders WHERE customer_id IN (SELECT id FROM profiles) AND kind = 'sale' AND placed_at > $2 AND placed_at <= $4)
       SELECT p.canonical_id AS id, count(*) FILTER (WHERE a.at > $3)::int AS cur, count(*) FILTER (WHERE a.at <= $3)::int AS prev
         FROM a JOIN profiles p ON p.id = a.customer_id GROUP BY 1`, [customerIds, start, split, end]);
    for (const r of rows) activity.set(Number(r.id), { cur: r.cur, prev: r.prev });
  }

  const customers = customerIds.map((customerId): LayerExplanation => {
    const f = facts.find((x) => Number(x.id) === customerId);
    if (!f) return { customerId, rfm: null, quadrant: null };
    let rfmPart: LayerExplanation['rfm'] = null;
    if (rfm.computedAt && rfm.summary?.cuts && f.order_count > 0 && f.last_order_at) {
      const recencyDays = Math.floor((new Date(rfm.computedAt).getTime() - new Date(f.last_order_at).getTime()) / DAY);
      const one = scoreOne({ id: customerId, recencyDays, frequency: f.order_count, monetary: Number(f.total_spent) }, rfm.summary.cuts as RfmCuts, rfmConfig);
      rfmPart = { cell: one.cell, taggedCell: taggedCell(customerId, 'model:rfm'), scores: one.scores };
    }
    let quadPart: LayerExplanation['quadrant'] = null;
    if (quad.computedAt && f.known) {
      const a = activity.get(customerId) ?? { cur: 0, prev: 0 };
      const spent = Number(f.total_spent);
      const threshold = quad.summary?.highValueFrom ?? Infinity;
      quadPart = {
        cell: quadrantOf(spent, a.cur, a.prev, threshold, quadConfig).key, taggedCell: taggedCell(customerId, 'model:quadrant'),
        spent, activity: a.cur, previous: a.prev, change: a.prev ? (a.cur - a.prev) / a.prev : null,
      };
    }
    return { customerId, rfm: rfmPart, quadrant: quadPart };
  });
  return { rfmComputedAt: rfm.computedAt, quadrantComputedAt: quad.computedAt, customers };
}
