// Is this period's value unusual for this metric? The expectation is the median of the metric's own recent periods,
// scaled by last year's seasonal movement at the same time of year when there is a year of history (a 双11 week
// is compared with how 双11 weeks go, not with ordinary ones). The spread is the median absolute deviation of the
// recent periods, with a floor so a flat history does not make every wobble an anomaly.

export interface Expectation {
  expected: number | null;
  /** robust z-score of the value against the expectation */
  z: number | null;
  anomaly: boolean;
  seasonal: boolean;
  baseline: number | null;
}

export const median = (xs: number[]) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * `recent`: the metric in the periods before this one (oldest first); `lastYear`: optionally the value a year ago
 * for this period and the periods before it (the same count as recent, oldest first, then this period's), to read
 * seasonal movement from. `floor` is the smallest spread that counts (e.g. 1 percentage point for a rate).
 */
export function expectation(value: number | null, recent: (number | null)[], lastYear: { before: (number | null)[]; same: number | null } | null, floor: number, threshold = 3): Expectation {
  const history = recent.filter((x): x is number => x != null && Number.isFinite(x));
  const baseline = median(history);
  if (value == null || baseline == null || history.length < 3) return { expected: baseline, z: null, anomaly: false, seasonal: false, baseline };
  let expected = baseline;
  let seasonal = false;
  const lyBase = lastYear ? median(lastYear.before.filter((x): x is number => x != null)) : null;
  if (lastYear?.same != null && lyBase && lyBase > 0) {
    const factor = Math.min(4, Math.max(0.25, lastYear.same / lyBase));
    expected = baseline * factor;
    seasonal = Math.abs(factor - 1) > 0.05;
  }
  const mad = median(history.map((x) => Math.abs(x - baseline))) ?? 0;
  const scale = Math.max(1.4826 * mad, floor, Math.abs(expected) * 0.05);
  const z = (value - expected) / scale;
  return { expected, z, anomaly: Math.abs(z) >= threshold, seasonal, baseline };
}

/**
 * Which group (source channel, ...) moved the metric most, in the direction it moved. Sums and counts: the group's
 * own change. Ratios: the group's change in rate weighted by its share of the current denominator.
 */
export function mainDriver(kind: 'ratio' | 'amount', current: { key: string; value: number | null; n?: number }[], base: Map<string, number>, direction: number) {
  const total = current.reduce((s, c) => s + (c.n ?? 0), 0);
  let best: { key: string; contribution: number; change: number } | null = null;
  for (const c of current) {
    if (c.value == null) continue;
    const before = base.get(c.key);
    if (before == null) continue;
    const change = c.value - before;
    const contribution = kind === 'ratio' ? (total ? ((c.n ?? 0) / total) * change : 0) : change;
    if (Math.sign(contribution) !== Math.sign(direction) || contribution === 0) continue;
    if (!best || Math.abs(contribution) > Math.abs(best.contribution)) best = { key: c.key, contribution, change };
  }
  return best;
}
