// Four value quadrants: value (net spend, high at or above a quantile among buyers) against activity trend
// (events and orders in the last period vs the one before; down by dropShare or more = declining).
//
// Activity is counted by the analytics warehouse (DuckDB over the Parquet snapshots plus the rows since): two
// periods of events for a million customers is a scan PostgreSQL would spend tens of seconds on.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { inWarehouse } from '../analytics/warehouse.ts';
import { QUADRANTS, type QuadrantConfig } from './config.ts';
import { quantileCuts } from './rfm.ts';
import { ensureModelTags, applyCells } from './results.ts';
import type { CustomerStore } from '../segments/store.ts';

const DAY = 86_400_000;
/** A full scan of a large workspace's history may take minutes; this is background work, not a dashboard. */
const ACTIVITY_LIMIT_MS = 15 * 60_000;

/** Activity per surviving customer: current period (split, now], previous period (now − 2p, split]. */
export interface Activity {
  current: Map<number, number>;
  previous: Map<number, number>;
}

export async function quadrantActivity(ctx: AppContext, workspaceId: string, config: QuadrantConfig, now: Date): Promise<Activity> {
  const p = config.periodDays * DAY;
  const start = new Date(now.getTime() - 2 * p).toISOString();
  const split = new Date(now.getTime() - p).toISOString();
  const end = now.toISOString();
  return inWarehouse(ctx, workspaceId, async (d) => {
    // Columns rather than row objects: a million rows come back as three arrays.
    const reader = await d.connection.runAndReadAll(
      // Counted per recorded profile first, then summed per surviving customer: the join sees one row per profile.
      `SELECT c.canonical_id AS cid, sum(a.cur)::BIGINT AS cur, sum(a.prev)::BIGINT AS prev
         FROM (SELECT customer_id, count(*) FILTER (WHERE ts > $2::TIMESTAMPTZ) AS cur, count(*) FILTER (WHERE ts <= $2::TIMESTAMPTZ) AS prev
                 FROM act_rec WHERE ts > $1::TIMESTAMPTZ AND ts <= $3::TIMESTAMPTZ GROUP BY customer_id) a
         JOIN cust c ON c.id = a.customer_id
        GROUP BY c.canonical_id`,
      [start, split, end]);
    const [ids, cur, prev] = reader.getColumnsJS() as [bigint[], bigint[], bigint[]];
    const current = new Map<number, number>();
    const previous = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) {
      const id = Number(ids[i]);
      if (cur[i]) current.set(id, Number(cur[i]));
      if (prev[i]) previous.set(id, Number(prev[i]));
    }
    return { current, previous };
  }, ACTIVITY_LIMIT_MS);
}

/** The spend at or above which a known customer counts as high value: the configured quantile among buyers. */
export function highValueFrom(spent: number[], config: QuadrantConfig): number {
  const buyers = spent.filter((x) => x > 0);
  return buyers.length ? quantileCuts(buyers, 100)[Math.round(config.highValueQuantile * 100) - 1] : Infinity;
}

/** One customer's quadrant from spend and activity. */
export function quadrantOf(spent: number, cur: number, prev: number, threshold: number, config: QuadrantConfig) {
  const highValue = spent > 0 && spent >= threshold;
  // No activity in either period is declining too: there is nothing left to decline from.
  const declining = prev === 0 ? cur === 0 : cur <= prev * (1 - config.dropShare);
  return QUADRANTS.find((x) => x.highValue === highValue && x.declining === declining)!;
}

/** Places every live, known customer (spend from the engine's columns) and moves the quadrant tags. */
export async function computeQuadrants(tx: TenantTx, config: QuadrantConfig, now: Date, store: CustomerStore, activity: Activity) {
  const spentCol = store.num.get('total_spent')!;
  const ids: number[] = [];
  const spent: number[] = [];
  for (const id of store.live.ids()) {
    if (!store.known.has(id)) continue;
    ids.push(id);
    spent.push(Number.isNaN(spentCol[id]) ? 0 : spentCol[id]);
  }
  const threshold = highValueFrom(spent, config);
  const customers = new Map<string, number>();
  const revenue = new Map<string, number>();
  const points: { id: number; cell: string; spent: number; change: number | null }[] = [];
  const cells = ids.map((id, i) => {
    const cur = activity.current.get(id) ?? 0;
    const prev = activity.previous.get(id) ?? 0;
    const q = quadrantOf(spent[i], cur, prev, threshold, config);
    customers.set(q.key, (customers.get(q.key) ?? 0) + 1);
    revenue.set(q.key, (revenue.get(q.key) ?? 0) + spent[i]);
    if (points.length < 2000) points.push({ id, cell: q.key, spent: spent[i], change: prev ? (cur - prev) / prev : null });
    return { id, cell: q.key };
  });
  const tagIds = await ensureModelTags(tx, QUADRANTS.map((q) => ({ key: q.key, name: q.name, description: `价值象限: ${q.advice}` })), '用户分层 · 价值象限');
  await applyCells(tx, 'quadrant', cells, tagIds, now);
  return {
    customers: ids.length,
    highValueFrom: Number.isFinite(threshold) ? threshold : null,
    quadrants: QUADRANTS.map((q) => ({ key: q.key, name: q.name, advice: q.advice, customers: customers.get(q.key) ?? 0, revenue: revenue.get(q.key) ?? 0 })),
    points,
  };
}
