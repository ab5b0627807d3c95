// Next-best product: item-to-item recommendations from implicit feedback (who bought or viewed what). Similarity is
// cosine over co-occurrence in customers' histories; a customer's candidates are scored by their similarity to what
// the customer has, items already bought are excluded, and customers without history get the most popular items of
// their segment (or overall).
//
// The model is built on typed arrays (histories and neighbour lists in compressed-row form, one dense accumulator
// reused per item), so a base of a million customers and ten thousand products fits in a few hundred megabytes and
// builds in seconds: the work is Σ over customers of |history|², with histories capped.

export interface Interaction {
  customer: string;
  item: string;
  /** purchases weigh more than views */
  weight: number;
}

/** Interactions as parallel columns of dense indexes (customers 0..customerCount-1, items 0..items.length-1). */
export interface InteractionColumns {
  customer: Int32Array;
  item: Int32Array;
  weight: Float32Array;
  customerCount: number;
  items: string[];
}

export interface ItemModel {
  items: string[];
  index: Map<string, number>;
  /** neighbours of item i are nbItem/nbSim[nbStart[i] .. nbStart[i+1]), most similar first */
  nbStart: Int32Array;
  nbItem: Int32Array;
  nbSim: Float32Array;
  /** item indexes, most popular (distinct customers) first */
  popularity: number[];
}

export interface BuildOptions {
  /** neighbours kept per item */
  neighbours?: number;
  /** strongest items kept per customer: very long histories (wholesalers) would dominate and cost O(n²) */
  maxHistory?: number;
}

export function buildItemModel(interactions: Interaction[], opts: BuildOptions = {}): ItemModel {
  const items: string[] = [];
  const itemIndex = new Map<string, number>();
  const customerIndex = new Map<string, number>();
  const n = interactions.length;
  const cols: InteractionColumns = { customer: new Int32Array(n), item: new Int32Array(n), weight: new Float32Array(n), customerCount: 0, items };
  interactions.forEach((it, k) => {
    let i = itemIndex.get(it.item);
    if (i === undefined) {
      itemIndex.set(it.item, (i = items.length));
      items.push(it.item);
    }
    let c = customerIndex.get(it.customer);
    if (c === undefined) customerIndex.set(it.customer, (c = customerIndex.size));
    cols.customer[k] = c;
    cols.item[k] = i;
    cols.weight[k] = it.weight;
  });
  cols.customerCount = customerIndex.size;
  return buildItemModelFromColumns(cols, opts);
}

export function buildItemModelFromColumns(cols: InteractionColumns, opts: BuildOptions = {}): ItemModel {
  const k = opts.neighbours ?? 50;
  const maxHistory = opts.maxHistory ?? 100;
  const itemCount = cols.items.length;
  const histories = customerHistories(cols, maxHistory);

  // How many customers hold each item (the cosine norm of its binary column), and the transpose: item → customers.
  const holders = new Int32Array(itemCount + 1);
  for (let p = 0; p < histories.items.length; p++) holders[histories.items[p] + 1]++;
  const norm = new Float64Array(itemCount);
  for (let i = 0; i < itemCount; i++) norm[i] = holders[i + 1];
  for (let i = 0; i < itemCount; i++) holders[i + 1] += holders[i];
  const byItem = new Int32Array(histories.items.length);
  const fill = holders.slice(0, itemCount);
  for (let c = 0; c < cols.customerCount; c++) {
    for (let p = histories.start[c]; p < histories.start[c + 1]; p++) byItem[fill[histories.items[p]]++] = c;
  }

  // For each item, count co-occurrences with every other item in one dense accumulator, then keep the top k.
  const acc = new Float64Array(itemCount);
  const touched = new Int32Array(itemCount);
  const nbStart = new Int32Array(itemCount + 1);
  const nbItem = new Int32Array(itemCount * k);
  const nbSim = new Float32Array(itemCount * k);
  const heap = new TopK(k);
  let out = 0;
  for (let i = 0; i < itemCount; i++) {
    let seen = 0;
    for (let q = holders[i]; q < holders[i + 1]; q++) {
      const c = byItem[q];
      for (let p = histories.start[c]; p < histories.start[c + 1]; p++) {
        const j = histories.items[p];
        if (j === i) continue;
        if (acc[j] === 0) touched[seen++] = j;
        acc[j]++;
      }
    }
    heap.clear();
    for (let t = 0; t < seen; t++) {
      const j = touched[t];
      heap.offer(j, acc[j] / Math.sqrt(norm[i] * norm[j]));
      acc[j] = 0;
    }
    nbStart[i] = out;
    out = heap.drainInto(nbItem, nbSim, out);
  }
  nbStart[itemCount] = out;

  const popularity = Array.from({ length: itemCount }, (_, i) => i).sort((a, b) => norm[b] - norm[a]);
  const index = new Map(cols.items.map((s, i) => [s, i]));
  return { items: cols.items, index, nbStart, nbItem: nbItem.slice(0, out), nbSim: nbSim.slice(0, out), popularity };
}

/** Each customer's distinct items (weights summed), strongest maxHistory kept, in compressed-row form. */
function customerHistories(cols: InteractionColumns, maxHistory: number) {
  const { customerCount } = cols;
  const count = new Int32Array(customerCount + 1);
  for (let r = 0; r < cols.customer.length; r++) count[cols.customer[r] + 1]++;
  for (let c = 0; c < customerCount; c++) count[c + 1] += count[c];
  const rows = new Int32Array(cols.customer.length);
  const fill = count.slice(0, customerCount);
  for (let r = 0; r < cols.customer.length; r++) rows[fill[cols.customer[r]]++] = r;

  const start = new Int32Array(customerCount + 1);
  const items = new Int32Array(cols.customer.length);
  const weight = new Float64Array(cols.items.length);
  const distinct: number[] = [];
  let out = 0;
  for (let c = 0; c < customerCount; c++) {
    distinct.length = 0;
    for (let q = count[c]; q < count[c + 1]; q++) {
      const r = rows[q];
      const i = cols.item[r];
      if (weight[i] === 0) distinct.push(i);
      weight[i] += cols.weight[r] || 1e-9;
    }
    if (distinct.length > maxHistory) distinct.sort((a, b) => weight[b] - weight[a] || a - b).length = maxHistory;
    start[c] = out;
    for (const i of distinct) items[out++] = i;
    for (let q = count[c]; q < count[c + 1]; q++) weight[cols.item[rows[q]]] = 0;
  }
  start[customerCount] = out;
  return { start, items: items.subarray(0, out) };
}

/** The k best (item, score) pairs seen, by a min-heap on score; ties keep the lower item index for stable output. */
class TopK {
  private item: Int32Array;
  private score: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.item = new Int32Array(k);
    this.score = new Float64Array(k);
  }

  clear() {
    this.size = 0;
  }

  private worse(a: number, b: number) {
    return this.score[a] < this.score[b] || (this.score[a] === this.score[b] && this.item[a] > this.item[b]);
  }

  private swap(a: number, b: number) {
    const i = this.item[a];
    this.item[a] = this.item[b];
    this.item[b] = i;
    const s = this.score[a];
    this.score[a] = this.score[b];
    this.score[b] = s;
  }

  private down(p: number) {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < this.size && this.worse(l, m)) m = l;
      if (r < this.size && this.worse(r, m)) m = r;
      if (m === p) return;
      this.swap(p, m);
      p = m;
    }
  }

  offer(item: number, score: number) {
    if (this.size < this.k) {
      let p = this.size++;
      this.item[p] = item;
      this.score[p] = score;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        if (!this.worse(p, parent)) break;
        this.swap(p, parent);
        p = parent;
      }
    } else if (score > this.score[0] || (score === this.score[0] && item < this.item[0])) {
      this.item[0] = item;
      this.score[0] = score;
      this.down(0);
    }
  }

  /** Writes the pairs best first at `at`, returns the next free position, and empties the heap. */
  drainInto(items: Int32Array, scores: Float32Array, at: number): number {
    const n = this.size;
    for (let w = n - 1; w >= 0; w--) {
      items[at + w] = this.item[0];
      scores[at + w] = this.score[0];
      this.size--;
      if (this.size > 0) {
        this.swap(0, this.size);
        this.down(0);
      }
    }
    return at + n;
  }
}

/** Top-N items for a customer's history; `exclude` are items not to recommend again (just bought). */
export function recommend(model: ItemModel, history: string[], n: number, fallback: number[] = model.popularity, exclude: Set<string> = new Set(history)): string[] {
  const scores = new Map<number, number>();
  for (const item of history) {
    const i = model.index.get(item);
    if (i === undefined) continue;
    for (let p = model.nbStart[i]; p < model.nbStart[i + 1]; p++) scores.set(model.nbItem[p], (scores.get(model.nbItem[p]) ?? 0) + model.nbSim[p]);
  }
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([j]) => model.items[j]).filter((s) => !exclude.has(s));
  // Too little history to fill the list: top up with the popular items of the customer's segment.
  const chosen = new Set(ranked);
  for (const j of fallback) {
    if (ranked.length >= n) break;
    const s = model.items[j];
    if (!exclude.has(s) && !chosen.has(s)) {
      ranked.push(s);
      chosen.add(s);
    }
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
