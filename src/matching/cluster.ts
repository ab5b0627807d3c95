// Clustering pairwise matches into people without chaining. Plain transitive closure lets A≈B and B≈C make A and C
// one person even when A and C plainly differ (a mother and daughter sharing a phone, a typo that sits between two
// names). Here the strongest links are applied first and two clusters join only if every pair across them still
// looks like a match (complete-linkage at the review threshold) and no pair was rejected by an operator; a refused
// join is sent to review instead of being dropped.

export interface ClusterEdge {
  a: number;
  b: number;
  probability: number;
}

export interface ClusterOptions {
  /** Every cross pair of a join must reach this probability. */
  minCrossProbability: number;
  /** P(match) of two records, computed on demand for pairs blocking did not propose. */
  probability(a: number, b: number): number;
  /** Pairs an operator said are different people. */
  cannotLink?(a: number, b: number): boolean;
  /** Larger clusters are not grown automatically: a person rarely has dozens of records. */
  maxClusterSize?: number;
}

export type RefusalReason = 'conflicting_pair' | 'rejected_by_operator' | 'cluster_too_large';

export interface Clustering<E extends ClusterEdge> {
  /** Clusters of two or more records (record indexes). */
  clusters: number[][];
  /** Edges above the threshold that were not applied, with why. */
  refused: (E & { reason: RefusalReason })[];
}

export function clusterMatches<E extends ClusterEdge>(edges: E[], opts: ClusterOptions): Clustering<E> {
  const members = new Map<number, number[]>();
  const clusterOf = new Map<number, number>();
  const find = (x: number) => clusterOf.get(x) ?? x;
  const membersOf = (c: number) => members.get(c) ?? [c];
  const maxSize = opts.maxClusterSize ?? 50;
  const refused: Clustering<E>['refused'] = [];

  for (const e of [...edges].sort((x, y) => y.probability - x.probability)) {
    const ca = find(e.a);
    const cb = find(e.b);
    if (ca === cb) continue;
    const ma = membersOf(ca);
    const mb = membersOf(cb);
    if (ma.length + mb.length > maxSize) {
      refused.push({ ...e, reason: 'cluster_too_large' });
      continue;
    }
    let verdict: 'ok' | RefusalReason = 'ok';
    outer: for (const x of ma) {
      for (const y of mb) {
        if (opts.cannotLink?.(x, y)) {
          verdict = 'rejected_by_operator';
          break outer;
        }
        if (!(x === e.a && y === e.b) && opts.probability(x, y) < opts.minCrossProbability) {
          verdict = 'conflicting_pair';
          break outer;
        }
      }
    }
    if (verdict !== 'ok') {
      refused.push({ ...e, reason: verdict });
      continue;
    }
    // The larger cluster absorbs the smaller.
    const [keep, gone] = ma.length >= mb.length ? [ca, cb] : [cb, ca];
    const joined = [...membersOf(keep), ...membersOf(gone)];
    for (const x of membersOf(gone)) clusterOf.set(x, keep);
    clusterOf.set(keep, keep);
    members.set(keep, joined);
    members.delete(gone);
  }
  return { clusters: [...members.values()].filter((m) => m.length > 1), refused };
}
