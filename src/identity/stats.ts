// Order statistics on the root profile, recomputed from the orders of every member of its group.
import type { TenantTx } from '../kernel/tenant.ts';

export async function recomputeStats(tx: TenantTx, roots: number[]): Promise<void> {
  if (roots.length === 0) return;
  await tx.query(
    `UPDATE customers c SET order_count = s.cnt, total_spent = s.spent, first_order_at = s.first_at, last_order_at = s.last_at
       FROM (SELECT r.root,
                    count(o.id) FILTER (WHERE o.status <> 'refunded')::int AS cnt,
                    coalesce(sum(o.amount - o.refunded_amount), 0)::bigint AS spent,
                    min(o.placed_at) FILTER (WHERE o.status <> 'refunded') AS first_at,
                    max(o.placed_at) FILTER (WHERE o.status <> 'refunded') AS last_at
               FROM unnest($2::bigint[]) AS r(root)
               JOIN customers m ON m.workspace_id = $1 AND m.canonical_id = r.root
               LEFT JOIN orders o ON o.workspace_id = $1 AND o.customer_id = m.id
              GROUP BY r.root) s
      WHERE c.workspace_id = $1 AND c.id = s.root`,
    [tx.workspaceId, roots],
  );
}
