// Recommendations in the product: an item model per workspace built from order items and product views (views weigh
// less), kept in memory and rebuilt on demand or when older than an hour. Cold start: the most popular items among
// customers who came through the same channel, then overall.
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { buildItemModel, recommend, type Interaction, type ItemModel } from './recommend.ts';

const MAX_AGE_MS = 3600_000;
const VIEW_WEIGHT = 0.3;
const RECENT_DAYS = 30;

interface Built {
  model: ItemModel;
  bySegment: Map<string, number[]>;
  builtAt: number;
  interactions: number;
}

export class Recommender {
  private cache = new Map<string, Built>();

  constructor(private readonly ctx: AppContext) {}

  async rebuild(workspaceId: string): Promise<{ items: number; interactions: number }> {
    const built = await withTenant(this.ctx.db, workspaceId, (tx) => this.build(tx));
    this.cache.set(workspaceId, built);
    return { items: built.model.items.length, interactions: built.interactions };
  }

  private async build(tx: TenantTx): Promise<Built> {
    const since = new Date(this.ctx.clock.now().getTime() - 365 * 86400_000);
    const { rows } = await tx.query<{ customer: number; item: string; w: number; segment: string | null }>(
      `SELECT c.canonical_id AS customer, i->>'sku' AS item, 1.0::float8 AS w, r.source_channel AS segment
         FROM orders o JOIN customers c ON c.workspace_id = $1 AND c.id = o.customer_id
         JOIN customers r ON r.workspace_id = $1 AND r.id = c.canonical_id, jsonb_array_elements(o.items) i
        WHERE o.workspace_id = $1 AND o.kind = 'sale' AND o.status <> 'refunded' AND o.placed_at >= $2
       UNION ALL
       SELECT c.canonical_id, e.properties->>'sku', $3::float8, r.source_channel
         FROM events e JOIN customers c ON c.workspace_id = $1 AND c.id = e.customer_id
         JOIN customers r ON r.workspace_id = $1 AND r.id = c.canonical_id
        WHERE e.workspace_id = $1 AND e.event = 'Product Viewed' AND e.properties ? 'sku' AND e.ts >= $2`,
      [tx.workspaceId, since, VIEW_WEIGHT],
    );
    const interactions: Interaction[] = rows.filter((r) => r.item).map((r) => ({ customer: String(r.customer), item: r.item, weight: r.w }));
    const model = buildItemModel(interactions);
    // Popularity per acquisition channel: distinct buyers of each item among that channel's customers.
    const counts = new Map<string, Map<number, Set<string>>>();
    for (const r of rows) {
      if (!r.item || r.w !== 1) continue;
      const seg = r.segment ?? '';
      const m = counts.get(seg) ?? new Map<number, Set<string>>();
      const i = model.index.get(r.item)!;
      (m.get(i) ?? m.set(i, new Set()).get(i)!).add(String(r.customer));
      counts.set(seg, m);
    }
    const bySegment = new Map([...counts].map(([seg, m]) => [seg, [...m.entries()].sort((a, b) => b[1].size - a[1].size).map(([i]) => i)]));
    return { model, bySegment, builtAt: Date.now(), interactions: interactions.length };
  }

  async forCustomer(workspaceId: string, customerId: number, n: number) {
    let built = this.cache.get(workspaceId);
    if (!built || Date.now() - built.builtAt > MAX_AGE_MS) {
      await this.rebuild(workspaceId);
      built = this.cache.get(workspaceId)!;
    }
    return withTenant(this.ctx.db, workspaceId, async (tx) => {
      const recentSince = new Date(this.ctx.clock.now().getTime() - RECENT_DAYS * 86400_000);
      const { rows } = await tx.query<{ item: string; recent: boolean; segment: string | null }>(
        `SELECT i->>'sku' AS item, bool_or(o.placed_at >= $3) AS recent, max(r.source_channel) AS segment
           FROM customers r JOIN customers c ON c.workspace_id = $1 AND c.canonical_id = r.id
           JOIN orders o ON o.workspace_id = $1 AND o.customer_id = c.id AND o.kind = 'sale', jsonb_array_elements(o.items) i
          WHERE r.workspace_id = $1 AND r.id = (SELECT canonical_id FROM customers WHERE workspace_id = $1 AND id = $2)
          GROUP BY 1`,
        [workspaceId, customerId, recentSince],
      );
      const seg = (await tx.query<{ s: string | null }>(`SELECT source_channel AS s FROM customers WHERE workspace_id = $1 AND id = (SELECT canonical_id FROM customers WHERE workspace_id = $1 AND id = $2)`, [workspaceId, customerId])).rows[0]?.s ?? '';
      const history = rows.map((r) => r.item).filter(Boolean);
      const justBought = new Set(rows.filter((r) => r.recent).map((r) => r.item));
      const fallback = [...(built!.bySegment.get(seg) ?? []), ...built!.model.popularity];
      const items = recommend(built!.model, history, n, fallback, justBought);
      return { items, basis: history.length ? 'item-to-item' : seg ? `popular among ${seg} customers` : 'popular', history: history.length };
    });
  }
}
