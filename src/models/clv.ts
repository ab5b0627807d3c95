// Customer lifetime value in the product: summarise each customer's orders, fit BG/NBD + Gamma–Gamma, score
// everyone (P(alive), expected purchases in 90 days, expected spend, discounted CLV) and publish predicted tags.
// A fit on too little data or one that does not converge keeps the previous version and says why.
import type { TenantTx } from '../kernel/tenant.ts';
import { summarize, type Transaction } from './cdnow.ts';
import { expectedPurchases, fitBgNbd, pAlive, type BgNbdParams } from './bgnbd.ts';
import { expectedSpend, fitGammaGamma, type GammaGammaParams } from './gammagamma.ts';
import { ensureModelTags } from '../layers/results.ts';
import { churnRisk, DEFAULT_CHURN } from './churn.ts';
import { valueScores } from './value-score.ts';
import { trackingSeries } from './tracking.ts';
import { fitParetoNbd } from './paretonbd.ts';
import { backtest } from './backtest.ts';
import { appendTimeline } from '../customers/timeline.ts';
import { clearSource, setCoverage, tagCustomers } from '../tags/publish.ts';

const DAY = 86_400_000;
const WEEK_DAYS = 7;
/** Pareto/NBD is fitted alongside as a challenger while the base is small enough for its slower likelihood. */
const CHALLENGER_MAX_BUYERS = 200_000;

export interface ClvSettings {
  horizonMonths: number;
  annualDiscount: number;
  minCustomers: number;
  minRepeatBuyers: number;
}
export const DEFAULT_CLV: ClvSettings = { horizonMonths: 12, annualDiscount: 0.1, minCustomers: 50, minRepeatBuyers: 20 };

export const PREDICTED_TAGS = [
  { key: 'pred_high_value', name: '高价值潜力', description: '预测 CLV 位于前 20% 的客户（BG/NBD + Gamma-Gamma）' },
  { key: 'pred_churn_risk', name: '高流失风险', description: '复购过但 P(alive) < 0.3 的客户（BG/NBD）' },
];

/** Discounted CLV: expected purchases month by month times expected spend, discounted monthly. */
export function clvOf(bg: BgNbdParams, c: { x: number; tx: number; T: number }, spend: number, s: ClvSettings): number {
  const monthly = Math.pow(1 + s.annualDiscount, 1 / 12) - 1;
  let value = 0;
  let prev = 0;
  for (let m = 1; m <= s.horizonMonths; m++) {
    const cum = expectedPurchases(bg, c, (m * 30.4375) / WEEK_DAYS);
    value += ((cum - prev) * spend) / Math.pow(1 + monthly, m);
    prev = cum;
  }
  return value;
}

/** The Pareto/NBD fit on the same data: both have four parameters, so the log-likelihoods compare directly. */
function challenger(summary: { x: number; tx: number; T: number }[]) {
  if (summary.length > CHALLENGER_MAX_BUYERS) return { skipped: `more than ${CHALLENGER_MAX_BUYERS} buyers` };
  const fit = fitParetoNbd(summary);
  return { params: fit.params, logLikelihood: fit.logLikelihood, converged: fit.converged };
}

export async function fitClv(tx: TenantTx, now: Date, settings: ClvSettings = DEFAULT_CLV) {
  const ws = tx.workspaceId;
  const { rows } = await tx.query<{ id: number; day: number; value: number }>(
    `SELECT c.canonical_id AS id, floor(extract(epoch FROM o.placed_at) / 86400)::int AS day, sum(o.amount - o.refunded_amount)::float8 AS value
       FROM orders o JOIN customers c ON c.workspace_id = $1 AND c.id = o.customer_id
      WHERE o.workspace_id = $1 AND o.kind = 'sale' AND o.status <> 'refunded' AND o.placed_at <= $2
      GROUP BY 1, 2`,
    [ws, now],
  );
  const transactions: Transaction[] = rows.map((r) => ({ customer: String(r.id), day: r.day, value: r.value }));
  const calEnd = Math.floor(now.getTime() / DAY);
  const summary = summarize(transactions, calEnd);
  const repeaters = summary.filter((s) => s.x > 0);
  const record = async (status: string, message: string, params: object = {}, diagnostics: object = {}) =>
    (await tx.query<{ id: number }>(
      `INSERT INTO model_versions (workspace_id, model, status, params, diagnostics, message, settings, trained_at) VALUES ($1,'clv',$2,$3,$4,$5,$6,$7) RETURNING id`,
      [ws, status, JSON.stringify(params), JSON.stringify(diagnostics), message, JSON.stringify(settings), now])).rows[0].id;

  if (summary.length < settings.minCustomers || repeaters.length < settings.minRepeatBuyers) {
    const message = `too little data: ${summary.length} buyers (need ${settings.minCustomers}) and ${repeaters.length} repeat buyers (need ${settings.minRepeatBuyers}); the previous version stays active`;
    return { status: 'insufficient_data' as const, versionId: await record('insufficient_data', message, {}, { buyers: summary.length, repeatBuyers: repeaters.length }), message };
  }
  const bg = fitBgNbd(summary);
  const gg = fitGammaGamma(repeaters.map((s) => ({ x: s.x, mean: s.meanRepeatValue })));
  const finite = (o: object) => Object.values(o).every((v) => Number.isFinite(v) && v > 0);
  if (!bg.converged || !gg.converged || !finite(bg.params) || !finite(gg.params) || gg.params.q <= 1) {
    const message = `the fit did not converge (BG/NBD ${bg.converged ? 'ok' : 'no'}, Gamma-Gamma ${gg.converged ? 'ok' : 'no'}, q=${gg.params.q.toFixed(3)}); the previous version stays active`;
    return { status: 'failed' as const, versionId: await record('failed', message, { bgnbd: bg.params, gammaGamma: gg.params }), message };
  }
  await tx.query(`UPDATE model_versions SET status = 'superseded' WHERE workspace_id = $1 AND model = 'clv' AND status = 'active'`, [ws]);
  const diagnostics = {
    buyers: summary.length, repeatBuyers: repeaters.length,
    bgnbd: { logLikelihood: bg.logLikelihood, iterations: bg.iterations },
    gammaGamma: { logLikelihood: gg.logLikelihood, iterations: gg.iterations },
    tracking: trackingSeries(bg.params, summary, transactions, calEnd),
    paretoNbd: challenger(summary),
    backtest: backtest(transactions, calEnd),
  };
  const versionId = await record('active', 'fitted', { bgnbd: bg.params, gammaGamma: gg.params }, diagnostics);
  // Purchase days in the last churn period, for each customer's activity trend.
  const recentFrom = calEnd - DEFAULT_CHURN.periodWeeks * WEEK_DAYS;
  const recent = new Map<string, number>();
  for (const t of transactions) if (t.day > recentFrom && t.day <= calEnd) recent.set(t.customer, (recent.get(t.customer) ?? 0) + 1);
  const scored = summary.map((s) => {
    const spend = expectedSpend(gg.params as GammaGammaParams, { x: s.x, mean: s.meanRepeatValue });
    const churn = churnRisk(bg.params, { ...s, recentPurchases: recent.get(s.customer) ?? 0 });
    return { id: Number(s.customer), pAlive: pAlive(bg.params, s), e90: expectedPurchases(bg.params, s, 90 / WEEK_DAYS), spend, clv: clvOf(bg.params, s, spend, settings), x: s.x, churn };
  });
  const previous = new Map((await tx.query<{ customer_id: number; churn_level: string }>(`SELECT customer_id, churn_level FROM predictions WHERE workspace_id = $1 AND model = 'clv'`, [ws])).rows.map((r) => [r.customer_id, r.churn_level]));
  await tx.query(`DELETE FROM predictions WHERE workspace_id = $1 AND model = 'clv'`, [ws]);
  for (let i = 0; i < scored.length; i += 20_000) {
    const part = scored.slice(i, i + 20_000);
    await tx.query(
      `INSERT INTO predictions (workspace_id, model, customer_id, version_id, p_alive, expected_90d, expected_spend, clv, churn_risk, churn_level, activity_drop, computed_at)
       SELECT $1, 'clv', u.id, $2, u.pa, u.e, u.s, u.v, u.cr, u.cl, u.ad, $7
         FROM unnest($3::bigint[], $4::float8[], $5::float8[], $6::float8[], $8::float8[], $9::float8[], $10::text[], $11::float8[]) AS u(id, pa, e, s, v, cr, cl, ad)`,
      [ws, versionId, part.map((s) => s.id), part.map((s) => s.pAlive), part.map((s) => s.e90), part.map((s) => s.spend), now, part.map((s) => s.clv),
       part.map((s) => s.churn.risk), part.map((s) => s.churn.level), part.map((s) => s.churn.activityDrop)],
    );
  }
  // Value score from CLV, engagement (events and orders in 90 days) and recency of any activity.
  const activity = await tx.query<{ id: number; n: number; last: Date }>(
    `SELECT c.canonical_id AS id, count(e.id)::int AS n, max(c.last_seen_at) AS last
       FROM customers c LEFT JOIN events e ON e.workspace_id = $1 AND e.customer_id = c.id AND e.ts > $2 AND e.ts <= $3
      WHERE c.workspace_id = $1 AND c.canonical_id = ANY($4) GROUP BY 1`,
    [ws, new Date(now.getTime() - 90 * DAY), now, scored.map((s) => s.id)],
  );
  const act = new Map(activity.rows.map((r) => [r.id, r]));
  const values = valueScores(scored.map((s) => ({
    id: s.id, clv: s.clv,
    engagement: (act.get(s.id)?.n ?? 0) + (recent.get(String(s.id)) ?? 0),
    recencyDays: act.get(s.id)?.last ? (now.getTime() - new Date(act.get(s.id)!.last).getTime()) / DAY : 9999,
  })));
  for (let i = 0; i < values.length; i += 20_000) {
    const part = values.slice(i, i + 20_000);
    await tx.query(
      `UPDATE predictions p SET value_score = u.score, value_factors = u.factors FROM unnest($2::bigint[], $3::int[], $4::jsonb[]) AS u(id, score, factors)
        WHERE p.workspace_id = $1 AND p.model = 'clv' AND p.customer_id = u.id`,
      [ws, part.map((v) => v.id), part.map((v) => v.score), part.map((v) => JSON.stringify(v.factors))],
    );
  }
  // Predicted tags: top 20% by CLV, and repeat buyers who are probably gone.
  const tagIds = await ensureModelTags(tx, PREDICTED_TAGS, '智能预测', 'predicted');
  const byClv = [...scored].sort((a, b) => b.clv - a.clv);
  const high = byClv.slice(0, Math.ceil(byClv.length * 0.2)).map((s) => s.id);
  const risk = scored.filter((s) => s.x > 0 && s.pAlive < 0.3).map((s) => s.id);
  await clearSource(tx, 'model:clv');
  for (const [key, ids] of [['pred_high_value', high], ['pred_churn_risk', risk]] as const) await tagCustomers(tx, tagIds.get(key)!, ids, 'model:clv');
  await setCoverage(tx, new Map([[tagIds.get('pred_high_value')!, high.length], [tagIds.get('pred_churn_risk')!, risk.length]]), now);
  // Customers who cross into high churn risk get a churn_risk_high event: journeys (win-back) and segments react.
  const crossed = scored.filter((s) => s.churn.level === 'high' && previous.get(s.id) !== 'high');
  if (crossed.length > 0) {
    await appendTimeline(tx, crossed.map((s) => ({
      key: `churn:${versionId}:${s.id}`, customerId: s.id, event: 'churn_risk_high', at: now,
      properties: { risk: s.churn.risk, p_alive: s.churn.pAlive, activity_drop: s.churn.activityDrop, model_version: versionId },
    })));
  }
  return { status: 'active' as const, versionId, params: { bgnbd: bg.params, gammaGamma: gg.params }, diagnostics, highValue: high.length, churnRisk: risk.length, crossedIntoHighChurnRisk: crossed.map((s) => s.id) };
}
