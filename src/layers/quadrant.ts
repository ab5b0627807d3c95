// Four value quadrants: value (net spend, high at or above a quantile among buyers) against activity trend
// (events and orders in the last period vs the one before; down by dropShare or more = declining).
import type { TenantTx } from '../kernel/tenant.ts';
import { QUADRANTS, type QuadrantConfig } from './config.ts';
import { quantileCuts } from './rfm.ts';
import { ensureModelTags, replaceResults } from './results.ts';

const DAY = 86_400_000;

export async function computeQuadrants(tx: TenantTx, config: QuadrantConfig, now: Date) {
  const ws = tx.workspaceId;
  const p = config.periodDays * DAY;
  const start = new Date(now.getTime() - 2 * p);
  const split = new Date(now.getTime() - p);
  const { rows } = await tx.query<{ id: number; spent: number; cur: number; prev: number }>(
    `WITH activity AS (
        SELECT c.canonical_id AS id, count(*) FILTER (WHERE a.at > $3) AS cur, count(*) FILTER (WHERE a.at <= $3) AS prev
          FROM (SELECT customer_id, ts AS at FROM events WHERE workspace_id = $1 AND ts > $2 AND ts <= $4
                UNION ALL SELECT customer_id, placed_at FROM orders WHERE workspace_id = $1 AND placed_at > $2 AND placed_at <= $4 AND customer_id IS NOT NULL) a
          JOIN customers c ON c.workspace_id = $1 AND c.id = a.customer_id
         GROUP BY 1)
     SELECT c.id, c.total_spent AS spent, coalesce(a.cur, 0)::int AS cur, coalesce(a.prev, 0)::int AS prev
       FROM customers c LEFT JOIN activity a ON a.id = c.id
      WHERE c.workspace_id = $1 AND c.merged_into IS NULL AND NOT c.is_anonymous`,
    [ws, start, split, now],
  );
  const buyers = rows.filter((r) => Number(r.spent) > 0).map((r) => Number(r.spent));
  const [threshold] = buyers.length ? quantileCuts(buyers, 100).slice(Math.round(config.highValueQuantile * 100) - 1) : [Infinity];
  const results = rows.map((r) => {
    const highValue = Number(r.spent) > 0 && Number(r.spent) >= threshold;
    // No activity in either period is declining too: there is nothing left to decline from.
    const declining = r.prev === 0 ? r.cur === 0 : r.cur <= r.prev * (1 - config.dropShare);
    const q = QUADRANTS.find((x) => x.highValue === highValue && x.declining === declining)!;
    return { id: r.id, cell: q.key, scores: { spent: Number(r.spent), activity: r.cur, previous: r.prev, change: r.prev ? (r.cur - r.prev) / r.prev : null } };
  });
  const tagIds = await ensureModelTags(tx, QUADRANTS.map((q) => ({ key: q.key, name: q.name, description: `价值象限: ${q.advice}` })), '用户分层 · 价值象限');
  await replaceResults(tx, 'quadrant', results, tagIds, now);
  return {
    customers: rows.length,
    highValueFrom: Number.isFinite(threshold) ? threshold : null,
    quadrants: QUADRANTS.map((q) => {
      const members = results.filter((r) => r.cell === q.key);
      return { key: q.key, name: q.name, advice: q.advice, customers: members.length, revenue: members.reduce((s, r) => s + r.scores.spent, 0) };
    }),
    points: results.slice(0, 2000).map((r) => ({ id: r.id, cell: r.cell, spent: r.scores.spent, change: r.scores.change })),
  };
}
