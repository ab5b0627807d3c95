// Linkage quality against known truth: pairwise precision/recall/F1 over all pairs the clusters imply, B-cubed
// cluster scores, and the share of true people recovered exactly.

export interface LinkageQuality {
  truePairs: number;
  predictedPairs: number;
  correctPairs: number;
  precision: number;
  recall: number;
  f1: number;
  bcubed: { precision: number; recall: number; f1: number };
  /** Share of true people with two or more records whose predicted cluster is exactly their records. */
  exactClusters: number;
}

const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

/** `truth` maps every record id to its real person; `clusters` lists predicted people of two or more records. */
export function evaluateLinkage(truth: Map<number, string>, clusters: number[][]): LinkageQuality {
  const predicted = new Map<number, number>();
  clusters.forEach((c, k) => c.forEach((id) => predicted.set(id, k)));
  const clusterOf = (id: number) => predicted.get(id) ?? -1 - id; // singletons get their own negative label

  const people = new Map<string, number[]>();
  for (const [id, person] of truth) people.set(person, [...(people.get(person) ?? []), id]);
  const pairsIn = (n: number) => (n * (n - 1)) / 2;
  let truePairs = 0;
  for (const ids of people.values()) truePairs += pairsIn(ids.length);
  let predictedPairs = 0;
  let correctPairs = 0;
  for (const c of clusters) {
    predictedPairs += pairsIn(c.length);
    const byPerson = new Map<string, number>();
    for (const id of c) byPerson.set(truth.get(id)!, (byPerson.get(truth.get(id)!) ?? 0) + 1);
    for (const n of byPerson.values()) correctPairs += pairsIn(n);
  }

  // B-cubed: for each record, the share of its predicted cluster that is truly its person, and vice versa.
  const clusterSize = new Map<number, number>();
  for (const id of truth.keys()) clusterSize.set(clusterOf(id), (clusterSize.get(clusterOf(id)) ?? 0) + 1);
  const overlap = new Map<string, number>();
  for (const [id, person] of truth) overlap.set(`${clusterOf(id)}|${person}`, (overlap.get(`${clusterOf(id)}|${person}`) ?? 0) + 1);
  let bp = 0;
  let br = 0;
  for (const [id, person] of truth) {
    const both = overlap.get(`${clusterOf(id)}|${person}`)!;
    bp += both / clusterSize.get(clusterOf(id))!;
    br += both / people.get(person)!.length;
  }
  bp /= truth.size;
  br /= truth.size;

  let multi = 0;
  let exact = 0;
  for (const ids of people.values()) {
    if (ids.length < 2) continue;
    multi++;
    const k = clusterOf(ids[0]);
    if (ids.every((id) => clusterOf(id) === k) && clusterSize.get(k) === ids.length) exact++;
  }

  const precision = predictedPairs ? correctPairs / predictedPairs : 1;
  const recall = truePairs ? correctPairs / truePairs : 1;
  return {
    truePairs, predictedPairs, correctPairs, precision, recall, f1: f1(precision, recall),
    bcubed: { precision: bp, recall: br, f1: f1(bp, br) },
    exactClusters: multi ? exact / multi : 1,
  };
}
