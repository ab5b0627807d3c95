// Next-best product: item-to-item recommendations from implicit feedback (who bought or viewed what). Similarity is
// cosine over co-occurrence in customers' histories; a customer's candidates are scored by their similarity to what
// the customer has, items already bought are excluded, and customers without history get the most popular items of
// their segment (or overall).

export interface Interaction {
  customer: string;
  item: string;
  /** purchases weigh more than views */
  weight: number;
}

export interface ItemModel {
  neighbours: Map<number, { item: number; sim: number }[]>;
  items: string[];
  index: Map<string, number>;
  popularity: number[]; // item indexes, most popular first
}

export function buildItemModel(interactions: Interaction[], opts: { neighbours?: number; maxHistory?: number } = {}): ItemModel {
  const k = opts.neighbours ?? 50;
  const maxHistory = opts.maxHistory ?? 100;
  const index = new Map<string, number>();
  const items: string[] = [];
  const byCustomer = new Map<string, Map<number, number>>();
  for (const it of interactions) {
    let i = index.get(it.item);
    if (i === undefined) {
      i = items.length;
      items.push(it.item);
      index.set(it.item, i);
    }
    const h = byCustomer.get(it.customer) ?? new Map<number, number>();
    h.set(i, (h.get(i) ?? 0) + it.weight);
    byCustomer.set(it.customer, h);
  }
  const norm = new Float64Array(items.length);
  const buyers = new Float64Array(items.length);
  const co = new Map<number, Map<number, number>>();
  for (const h of byCustomer.values()) {
    // Very long histories (wholesalers) would dominate and cost O(n²): keep their strongest items.
    const list = [...h.entries()].sort((a, b) => b[1] - a[1]).slice(0, maxHistory).map(([i]) => i);
    for (const i of list) {
      norm[i] += 1;
      buyers[i] += 1;
    }
    for (let a = 0; a < list.length; a++) {
      const row = co.get(list[a]) ?? new Map<number, number>();
      for (let b = 0; b < list.length; b++) if (a !== b) row.set(list[b], (row.get(list[b]) ?? 0) + 1);
      co.set(list[a], row);
    }
  }
  const neighbours = new Map<number, { item: number; sim: number }[]>();
  for (const [i, row] of co) {
    const sims = [...row.entries()].map(([j, c]) => ({ item: j, sim: c / Math.sqrt(norm[i] * norm[j]) }));
    sims.sort((a, b) => b.sim - a.sim);
    neighbours.set(i, sims.slice(0, k));
  }
  const popularity = items.map((_, i) => i).sort((a, b) => buyers[b] - buyers[a]);
  return { neighbours, items, index, popularity };
}

/** Top-N items for a customer's history; `exclude` are items not to recommend again (just bought). */
export function recommend(model: ItemModel, history: string[], n: number, fallback: number[] = model.popularity, exclude: Set<string> = new Set(history)): string[] {
  const scores = new Map<number, number>();
  for (const item of history) {
    const i = model.index.get(item);
    if (i === undefined) continue;
    for (const { item: j, sim } of model.neighbours.get(i) ?? []) scores.set(j, (scores.get(j) ?? 0) + sim);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]).map(([j]) => model.items[j]).filter((s) => !exclude.has(s));
  // Too little history to fill the list: top up with the popular items of the customer's segment.
  for (const j of fallback) {
    if (ranked.length >= n) break;
    const s = model.items[j];
    if (!exclude.has(s) && !ranked.includes(s)) ranked.push(s);
  }
  return ranked.slice(0, n);
}

export function recallAndNdcg(recommended: string[], relevant: Set<string>, k: number) {
  let hits = 0;
  let dcg = 0;
  recommended.slice(0, k).forEach((item, rank) => {
    if (relevant.has(item)) {
      hits++;
      dcg += 1 / Math.log2(rank + 2);
    }
  });
  let idcg = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2);
  return { recall: relevant.size ? hits / relevant.size : 0, ndcg: idcg ? dcg / idcg : 0 };
}
