// Measuring a journey: how many entered, are in flight, completed, exited, reached the goal; conversion of the
// treated against the holdout; revenue from orders within the attribution window; suppressions by reason; per-node
// counts for the canvas; A/B branches with the difference in conversion, its 95% interval and a sample-ratio check.
import type { TenantTx } from '../kernel/tenant.ts';
import { definitionSchema, type JourneyDefinition } from './definition.ts';
import { getJourney } from './store.ts';
import { lgamma } from '../models/special.ts';

export async function journeyStats(tx: TenantTx, journeyId: number) {
  const ws = tx.workspaceId;
  const j = await getJourney(tx, journeyId);
  const { rows: totals } = await tx.query<{ entered: number; active: number; completed: number; exited: number; goals: number }>(
    `SELECT count(*)::int AS entered, count(*) FILTER (WHERE status = 'active')::int AS active, count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE status = 'exited')::int AS exited, count(goal_at)::int AS goals
       FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2`, [ws, journeyId]);
  const { rows: arms } = await tx.query<{ variant: string | null; holdout: boolean; n: number; goals: number }>(
    `SELECT variant, holdout, count(*)::int AS n, count(goal_at)::int AS goals FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 GROUP BY variant, holdout ORDER BY variant`,
    [ws, journeyId]);
  const def: JourneyDefinition | null = j.live_version != null
    ? definitionSchema.parse((await tx.query(`SELECT definition FROM journey_versions WHERE workspace_id = $1 AND journey_id = $2 AND version = $3`, [ws, journeyId, j.live_version])).rows[0].definition)
    : null;
  const { rows: revenue } = await tx.query<{ orders: number; revenue: number }>(
    `SELECT count(o.*)::int AS orders, COALESCE(sum(o.amount - o.refunded_amount), 0)::bigint AS revenue
       FROM journey_runs r JOIN orders o ON o.workspace_id = r.workspace_id AND o.customer_id = r.customer_id AND o.kind = 'sale'
        AND o.placed_at >= r.entered_at AND o.placed_at < r.entered_at + make_interval(days => $3)
      WHERE r.workspace_id = $1 AND r.journey_id = $2 AND NOT r.holdout`, [ws, journeyId, def?.attributionDays ?? 7]);
  const { rows: suppressed } = await tx.query<{ reason: string; n: number }>(
    `SELECT split_part(reason, ':', 1) AS reason, count(*)::int AS n FROM outbox
      WHERE workspace_id = $1 AND source_type = 'journey' AND source_id LIKE $2 AND status = 'suppressed' GROUP BY 1 ORDER BY 2 DESC`, [ws, `${journeyId}:%`]);
  const { rows: messages } = await tx.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM outbox WHERE workspace_id = $1 AND source_type = 'journey' AND source_id LIKE $2 GROUP BY 1`, [ws, `${journeyId}:%`]);
  const { rows: nodeStats } = await tx.query<{ version: number; node: string; outcome: string; count: number }>(
    `SELECT version, node, outcome, count FROM journey_node_stats WHERE workspace_id = $1 AND journey_id = $2 ORDER BY version, node, outcome`, [ws, journeyId]);
  const { rows: here } = await tx.query<{ version: number; node: string; n: number }>(
    `SELECT version, node, count(*)::int AS n FROM journey_runs WHERE workspace_id = $1 AND journey_id = $2 AND status = 'active' GROUP BY 1, 2`, [ws, journeyId]);

  const treated = arms.filter((a) => !a.holdout);
  const holdout = arms.filter((a) => a.holdout);
  const rate = (xs: typeof arms) => {
    const n = xs.reduce((s, a) => s + a.n, 0);
    const g = xs.reduce((s, a) => s + a.goals, 0);
    return { customers: n, goals: g, rate: n ? g / n : null };
  };
  const t = rate(treated);
  const h = rate(holdout);
  return {
    journey: { id: j.id, name: j.name, status: j.status, live_version: j.live_version },
    ...totals[0],
    conversion: { treated: t, holdout: h, lift: t.rate != null && h.rate != null && h.customers > 0 ? { ...diffInterval(t.goals, t.customers, h.goals, h.customers) } : null },
    revenue: { orders: revenue[0].orders, amount: Number(revenue[0].revenue), attribution_days: def?.attributionDays ?? 7 },
    messages: Object.fromEntries(messages.map((m) => [m.status, m.n])),
    suppressed: Object.fromEntries(suppressed.map((s) => [s.reason, s.n])),
    nodes: nodeStats,
    in_node: here,
    experiment: def ? experiment(def, arms) : null,
  };
}

/** Difference of two proportions with a normal-approximation 95% interval. */
export function diffInterval(g1: number, n1: number, g2: number, n2: number) {
  const p1 = g1 / n1;
  const p2 = g2 / n2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const d = p1 - p2;
  return { difference: d, low: d - 1.96 * se, high: d + 1.96 * se, significant: se > 0 && Math.abs(d) > 1.96 * se };
}

/** Chi-square goodness of fit of observed branch sizes to the configured percentages (SRM when p < 0.001). */
export function sampleRatio(observed: number[], percents: number[]) {
  const total = observed.reduce((s, x) => s + x, 0);
  if (total === 0) return { chi2: 0, p: 1, mismatch: false };
  const chi2 = observed.reduce((s, o, i) => {
    const e = (total * percents[i]) / 100;
    return e > 0 ? s + (o - e) ** 2 / e : s;
  }, 0);
  const p = chiSquareSurvival(chi2, observed.length - 1);
  return { chi2, p, mismatch: p < 0.001 };
}

function experiment(def: JourneyDefinition, arms: { variant: string | null; holdout: boolean; n: number; goals: number }[]) {
  const split = Object.values(def.nodes).find((n) => n.type === 'split');
  if (!split || split.type !== 'split') return null;
  const branches = split.branches.map((b) => {
    const a = arms.filter((x) => x.variant === b.key);
    const n = a.reduce((s, x) => s + x.n, 0);
    const g = a.reduce((s, x) => s + x.goals, 0);
    return { key: b.key, holdout: b.holdout, percent: b.percent, customers: n, goals: g, rate: n ? g / n : null };
  });
  const base = branches.find((b) => b.holdout) ?? branches[0];
  return {
    branches: branches.map((b) => ({ ...b, vs_baseline: b === base || !b.customers || !base.customers ? null : diffInterval(b.goals, b.customers, base.goals, base.customers) })),
    baseline: base.key,
    sample_ratio: sampleRatio(branches.map((b) => b.customers), branches.map((b) => b.percent)),
  };
}

/** P(X > x) for a chi-square with k degrees of freedom (regularised upper incomplete gamma, series/continued fraction). */
export function chiSquareSurvival(x: number, k: number): number {
  if (x <= 0) return 1;
  const a = k / 2;
  const z = x / 2;
  const lnGammaA = lgamma(a);
  if (z < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= z / (a + n);
      sum += term;
      if (term < sum * 1e-14) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-z + a * Math.log(z) - lnGammaA));
  }
  let b = z + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = Math.abs(d) < 1e-300 ? 1e-300 : d;
    c = b + an / c;
    c = Math.abs(c) < 1e-300 ? 1e-300 : c;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return Math.exp(-z + a * Math.log(z) - lnGammaA) * h;
}
