// Headline numbers for the console's overview page. Light queries over PostgreSQL; the analytics issue moves the
// heavy ones to DuckDB.
import type { TenantTx } from '../kernel/tenant.ts';

export async function overview(tx: TenantTx, now: Date, days = 30) {
  const ws = tx.workspaceId;
  const since = new Date(now.getTime() - days * 86400_000);
  // One transaction is one connection: the reads run one after another.
  const customers = await tx.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT is_anonymous)::int AS known,
                     count(*) FILTER (WHERE order_count > 0)::int AS buyers, count(*) FILTER (WHERE order_count > 1)::int AS repeat_buyers,
                     count(*) FILTER (WHERE first_seen_at >= $2)::int AS new_in_period
                FROM customers WHERE workspace_id = $1 AND merged_into IS NULL`, [ws, since]);
  const events = await tx.query(`SELECT count(*)::int AS n FROM events WHERE workspace_id = $1 AND ts >= $2`, [ws, since]);
  const orders = await tx.query(`SELECT count(*)::int AS orders, coalesce(sum(amount - refunded_amount), 0)::bigint AS gmv,
                     count(DISTINCT customer_id)::int AS buyers
                FROM orders WHERE workspace_id = $1 AND placed_at >= $2 AND status <> 'refunded'`, [ws, since]);
  const daily = await tx.query(`SELECT to_char(date_trunc('day', placed_at AT TIME ZONE 'Asia/Shanghai'), 'YYYY-MM-DD') AS day,
                     count(*)::int AS orders, coalesce(sum(amount - refunded_amount), 0)::bigint AS gmv
                FROM orders WHERE workspace_id = $1 AND placed_at >= $2 AND status <> 'refunded' GROUP BY 1 ORDER BY 1`,
             [ws, new Date(now.getTime() - 90 * 86400_000)]);
  const sources = await tx.query(`SELECT coalesce(source_channel, '未知') AS source, count(*)::int AS customers, count(*) FILTER (WHERE order_count > 0)::int AS buyers
                FROM customers WHERE workspace_id = $1 AND merged_into IS NULL GROUP BY 1 ORDER BY 2 DESC`, [ws]);

  const o = orders.rows[0];
  return {
    periodDays: days,
    customers: customers.rows[0],
    events: events.rows[0].n,
    orders: o.orders,
    gmv: Number(o.gmv),
    aov: o.orders > 0 ? Math.round(Number(o.gmv) / o.orders) : 0,
    daily: daily.rows.map((d: any) => ({ day: d.day, orders: d.orders, gmv: Number(d.gmv) })),
    sources: sources.rows,
  };
}
