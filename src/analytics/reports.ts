// Automatic weekly and monthly reports: the key metrics of the last complete week (Monday to Monday) or month in the
// workspace's zone, each against its own history with anomalies flagged (anomaly.ts) and explained in a sentence in
// zh-CN and English — which source channel moved it most. Stored with an HTML page and an SVG image to download.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { localDate, wallTimeToUtc } from '../kernel/time.ts';
import { PollingWorker } from '../kernel/worker.ts';
import type { Analytics } from './service.ts';
import { metricByKey, type Unit } from './metrics.ts';
import { expectation, mainDriver } from './anomaly.ts';
import { renderReportHtml, renderReportSvg } from './report-render.ts';
import { snapshotWorkspace } from './snapshots.ts';

export type Period = 'week' | 'month';

const REPORT_METRICS = ['gmv', 'orders', 'aov', 'paying_customers', 'new_customers', 'active_customers', 'repurchase_rate', 'member_gmv_share'];
const RECENT: Record<Period, number> = { week: 8, month: 6 };
const PER_YEAR: Record<Period, number> = { week: 52, month: 12 };

export interface ReportMetric {
  key: string;
  name: { zh: string; en: string };
  unit: Unit;
  value: number | null;
  previous: number | null;
  expected: number | null;
  baseline: number | null;
  z: number | null;
  anomaly: boolean;
  seasonal: boolean;
  history: { start: string; value: number | null }[];
  sentence: { zh: string; en: string };
  driver?: { key: string; change: number } | null;
}

export interface ReportSummary {
  period: Period;
  startsOn: string;
  endsOn: string;
  timezone: string;
  metrics: ReportMetric[];
  anomalies: { zh: string; en: string }[];
}

/** "New customers" reads as "new customers" mid-sentence; "GMV" and "AOV" stay as they are. */
const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s);

const ymd = (d: { year: number; month: number; day: number }) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

/** Start (local midnight) of the period `back` periods before the one containing `at`. */
function periodStart(at: Date, period: Period, tz: string, back: number): Date {
  const l = localDate(at, tz);
  if (period === 'month') return wallTimeToUtc(l.year, l.month - back, 1, 0, 0, 0, tz);
  return wallTimeToUtc(l.year, l.month, l.day - (l.weekday - 1) - 7 * back, 0, 0, 0, tz);
}

/** The last complete period before `now`. */
export function lastComplete(now: Date, period: Period, tz: string) {
  return { start: periodStart(now, period, tz, 1), end: periodStart(now, period, tz, 0) };
}

const fmt = (unit: Unit, v: number | null, lang: 'zh' | 'en') => {
  if (v == null) return '—';
  if (unit === 'ratio') return `${(v * 100).toFixed(1)}%`;
  if (unit === 'fen') return `¥${(v / 100).toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  return Math.round(v).toLocaleString('en-US');
};

function sentence(m: Omit<ReportMetric, 'sentence'>, period: Period): { zh: string; en: string } {
  const periodZh = period === 'week' ? '本周' : '本月';
  const periodEn = period === 'week' ? 'This week' : 'This month';
  const vs = period === 'week' ? { zh: `过去${RECENT.week}周中位数`, en: `the median of the last ${RECENT.week} weeks` } : { zh: `过去${RECENT.month}个月中位数`, en: `the median of the last ${RECENT.month} months` };
  const ref = m.seasonal ? { zh: `季节性预期（${vs.zh}按去年同期走势调整）`, en: `the seasonal expectation (${vs.en}, adjusted by last year's movement)` } : vs;
  if (m.value == null || m.expected == null) return { zh: `${periodZh}${m.name.zh} ${fmt(m.unit, m.value, 'zh')}，历史数据不足以比较。`, en: `${periodEn} ${lowerFirst(m.name.en)} was ${fmt(m.unit, m.value, 'en')}; too little history to compare.` };
  const diff = m.value - m.expected;
  const up = diff >= 0;
  const amount = m.unit === 'ratio'
    ? { zh: `${Math.abs(diff * 100).toFixed(1)} 个百分点`, en: `${Math.abs(diff * 100).toFixed(1)} percentage points` }
    : m.expected ? { zh: `${Math.abs((diff / m.expected) * 100).toFixed(1)}%`, en: `${Math.abs((diff / m.expected) * 100).toFixed(1)}%` } : { zh: fmt(m.unit, Math.abs(diff), 'zh'), en: fmt(m.unit, Math.abs(diff), 'en') };
  let zh = `${periodZh}${m.name.zh} ${fmt(m.unit, m.value, 'zh')}，较${ref.zh}${up ? '上升' : '下降'} ${amount.zh}`;
  let en = `${periodEn} ${lowerFirst(m.name.en)} was ${fmt(m.unit, m.value, 'en')}, ${amount.en} ${up ? 'above' : 'below'} ${ref.en}`;
  if (m.driver) {
    const who = m.key === 'repurchase_rate' || m.key === 'new_customers' ? { zh: `${m.driver.key}新客`, en: `new customers from ${m.driver.key}` } : { zh: m.driver.key, en: m.driver.key };
    const change = m.unit === 'ratio' ? `${m.driver.change >= 0 ? '+' : '−'}${Math.abs(m.driver.change * 100).toFixed(1)}pp` : `${m.driver.change >= 0 ? '+' : '−'}${fmt(m.unit, Math.abs(m.driver.change), 'zh')}`;
    zh += `，主要来自${who.zh}（${change}）`;
    en += `, mostly from ${who.en} (${change})`;
  }
  return { zh: `${zh}。`, en: `${en}.` };
}

export async function buildReport(ctx: AppContext, analytics: Analytics, workspaceId: string, period: Period, start?: Date): Promise<{ summary: ReportSummary; html: string; svg: string }> {
  const tz = await analytics.timezone(workspaceId);
  const now = ctx.clock.now();
  // A given start is snapped to its period's first day; the period ends where the next one begins.
  const { start: s, end: e } = start ? { start: periodStart(start, period, tz, 0), end: periodStart(start, period, tz, -1) } : lastComplete(now, period, tz);
  const recent = RECENT[period];
  const historyFrom = periodStart(s, period, tz, PER_YEAR[period] + recent);
  const keyOf = (d: Date) => ymd(localDate(d, tz));
  const starts = (back: number) => keyOf(periodStart(s, period, tz, back));
  const metrics: ReportMetric[] = [];
  for (const key of REPORT_METRICS) {
    const def = metricByKey.get(key)!;
    const r = await analytics.metric(workspaceId, { metric: key, from: historyFrom, to: e, interval: period, filters: {}, compare: false });
    const at = new Map(r.series.map((p) => [p.bucket, p.value]));
    const value = at.get(starts(0)) ?? (def.unit === 'ratio' ? null : 0);
    const history = Array.from({ length: recent }, (_, i) => at.get(starts(recent - i)) ?? (def.unit === 'ratio' ? null : 0));
    const lyBefore = Array.from({ length: recent }, (_, i) => at.get(starts(PER_YEAR[period] + recent - i)) ?? null);
    const lySame = at.get(starts(PER_YEAR[period])) ?? null;
    const hasLastYear = lyBefore.filter((x) => x != null).length >= Math.ceil(recent / 2) && lySame != null;
    const ex = expectation(value, history, hasLastYear ? { before: lyBefore, same: lySame } : null, def.unit === 'ratio' ? 0.01 : 1);
    let driver: ReportMetric['driver'] = null;
    if (ex.anomaly && def.breakdowns.includes('source') && value != null && ex.expected != null) {
      const cur = await analytics.metric(workspaceId, { metric: key, from: s, to: e, interval: period, filters: {}, breakdown: 'source', compare: false });
      const base = await analytics.metric(workspaceId, { metric: key, from: periodStart(s, period, tz, recent), to: s, interval: period, filters: {}, breakdown: 'source', compare: false });
      // Sums and counts over the baseline periods become a per-period average; rates are already per customer.
      const baseMap = new Map((base.breakdown ?? []).map((b) => [b.key, def.unit === 'ratio' || key === 'aov' ? (b.value ?? 0) : (b.value ?? 0) / recent]));
      driver = mainDriver(def.unit === 'ratio' || key === 'aov' ? 'ratio' : 'amount', cur.breakdown ?? [], baseMap, value - ex.expected);
    }
    const m = {
      key, name: def.name, unit: def.unit, value, previous: history[history.length - 1] ?? null, expected: ex.expected, baseline: ex.baseline, z: ex.z,
      anomaly: ex.anomaly, seasonal: ex.seasonal, driver,
      history: [...Array.from({ length: recent }, (_, i) => ({ start: starts(recent - i), value: history[i] })), { start: starts(0), value }],
    };
    metrics.push({ ...m, sentence: sentence(m, period) });
  }
  const summary: ReportSummary = {
    period, startsOn: keyOf(s), endsOn: keyOf(e), timezone: tz, metrics,
    anomalies: metrics.filter((m) => m.anomaly).map((m) => m.sentence),
  };
  const name = await withTenant(ctx.db, workspaceId, async (tx) => (await tx.query<{ name: string }>(`SELECT name FROM workspaces WHERE id = $1`, [workspaceId])).rows[0].name);
  return { summary, html: renderReportHtml(name, summary), svg: renderReportSvg(name, summary) };
}

/** Builds and stores a report (replacing one for the same period), after bringing the snapshots up to date. */
export async function generateReport(ctx: AppContext, analytics: Analytics, workspaceId: string, period: Period, start?: Date) {
  await snapshotWorkspace(ctx, workspaceId, { settle: true });
  const r = await buildReport(ctx, analytics, workspaceId, period, start);
  const { rows } = await withTenant(ctx.db, workspaceId, (tx) => tx.query<{ id: number }>(
    `INSERT INTO analytics_reports (workspace_id, period, starts_on, ends_on, summary, html, svg, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workspace_id, period, starts_on) DO UPDATE SET ends_on = EXCLUDED.ends_on, summary = EXCLUDED.summary, html = EXCLUDED.html, svg = EXCLUDED.svg, created_at = EXCLUDED.created_at
     RETURNING id`,
    [workspaceId, period, r.summary.startsOn, r.summary.endsOn, JSON.stringify(r.summary), r.html, r.svg, ctx.clock.now()]));
  return { id: Number(rows[0].id), ...r.summary };
}

/** Writes each workspace's weekly report once its week is over (Monday) and its monthly one on the 1st. */
export class ReportScheduler extends PollingWorker {
  constructor(private readonly ctx: AppContext, private readonly analytics: Analytics, pollMs = 3_600_000) {
    // The first pass ten minutes after start: reports are never urgent.
    super('reports', ctx.log, { pollMs, firstAfterMs: pollMs / 6 });
  }

  async runOnce(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ id: string; timezone: string }>(`SELECT id, timezone FROM workspaces ORDER BY id`);
    for (const w of rows) {
      for (const period of ['week', 'month'] as const) {
        const { start } = lastComplete(this.ctx.clock.now(), period, w.timezone);
        const exists = await withTenant(this.ctx.db, w.id, (tx) => tx.query(`SELECT 1 FROM analytics_reports WHERE workspace_id = $1 AND period = $2 AND starts_on = $3`,
          [w.id, period, ymd(localDate(start, w.timezone))]));
        if (!exists.rows[0]) await generateReport(this.ctx, this.analytics, w.id, period);
      }
    }
    return false;
  }
}
