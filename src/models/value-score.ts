// Value score (价值分, 0–100): a transparent blend of where a customer ranks on predicted lifetime value, recent
// engagement and recency, with each factor's contribution kept so the score can be explained per customer.

export interface ValueInputs {
  id: number;
  clv: number;
  /** events and orders in the last 90 days */
  engagement: number;
  /** days since the last activity */
  recencyDays: number;
}

export const VALUE_WEIGHTS = { clv: 0.5, engagement: 0.25, recency: 0.25 } as const;
const LABELS: Record<keyof typeof VALUE_WEIGHTS, string> = { clv: '预测终身价值', engagement: '近90天互动', recency: '最近活跃' };

/** Percentile rank in [0, 1] of each value (ties share the average rank). */
function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array(values.length).fill(0);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = values.length > 1 ? (i + j) / 2 / (values.length - 1) : 1;
    for (let k = i; k <= j; k++) out[order[k][1]] = r;
    i = j + 1;
  }
  return out;
}

export function valueScores(rows: ValueInputs[]) {
  const clv = ranks(rows.map((r) => r.clv));
  const engagement = ranks(rows.map((r) => r.engagement));
  const recency = ranks(rows.map((r) => -r.recencyDays)); // more recent ranks higher
  return rows.map((r, i) => {
    const parts = {
      clv: VALUE_WEIGHTS.clv * clv[i] * 100,
      engagement: VALUE_WEIGHTS.engagement * engagement[i] * 100,
      recency: VALUE_WEIGHTS.recency * recency[i] * 100,
    };
    const score = Math.round(parts.clv + parts.engagement + parts.recency);
    // Explanation: factors ordered by how much they lift (or hold back) this customer against an average customer.
    const factors = (Object.keys(parts) as (keyof typeof parts)[])
      .map((k) => ({ factor: k, label: LABELS[k], points: Math.round(parts[k] * 10) / 10, vsAverage: Math.round((parts[k] - VALUE_WEIGHTS[k] * 50) * 10) / 10 }))
      .sort((a, b) => Math.abs(b.vsAverage) - Math.abs(a.vsAverage));
    return { id: r.id, score, factors };
  });
}
