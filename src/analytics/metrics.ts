// The metric catalogue: each metric with a precise definition in words (shown in the console and the API), a
// total over the range, a series by day / week / month in the workspace's zone, and optionally a breakdown. Metrics
// over customers and orders run on the DuckDB views (warehouse.ts); message and points metrics read the operational
// tables, where they live.
import type { TenantTx } from '../kernel/tenant.ts';
import { literal, type DuckSession } from './duck.ts';
import { bucket, dateOfDayNumber, localDayNumber, ts, type Range } from './scope.ts';

export type Unit = 'count' | 'fen' | 'ratio' | 'points';

export interface MetricContext {
  range: Range;
  /** also answer for this earlier range (the previous period), in the same queries */
  previous?: Range;
  tz: string;
  who: (col: string) => string;
  orders: (alias?: string) => string;
  breakdown?: Breakdown;
  repurchaseDays: number;
}

export type Breakdown = 'source' | 'channel' | 'store' | 'country';

export interface MetricResult {
  value: number | null;
  series: { bucket: string; value: number | null }[];
  /** by source, channel, ...; n = how many rows the value is over (the denominator of a ratio) */
  breakdown?: { key: string; value: number | null; n?: number }[];
  parts?: Record<string, number | null>;
  /** the previous period's value and parts, when asked for */
  previous?: { value: number | null; parts?: Record<string, number | null> };
}

export interface MetricDef {
  key: string;
  name: { zh: string; en: string };
  unit: Unit;
  definition: { zh: string; en: string };
  breakdowns: Breakdown[];
  /** 'duck' runs on the warehouse views; 'pg' on the operational tables */
  engine: 'duck' | 'pg';
  duck?(d: DuckSession, c: MetricContext): Promise<MetricResult>;
  pg?(tx: TenantTx, c: MetricContext): Promise<MetricResult>;
}

/** The rows a metric reads: the range, or the previous period and the range together. */
const inRange = (col: string, c: MetricContext) => `${col} >= ${ts((c.previous ?? c.range).from)} AND ${col} < ${ts(c.range.to)}`;
/** Which of the two periods a row belongs to. */
const periodOf = (col: string, c: MetricContext) => `CASE WHEN ${col} >= ${ts(c.range.from)} THEN 'cur' ELSE 'prev' END`;
const current = (col: string, c: MetricContext) => `${col} >= ${ts(c.range.from)}`;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const series = (rows: Record<string, unknown>[]) => rows.map((r) => ({ bucket: String(r.bucket).slice(0, 10), value: num(r.value) }));
const breakdownCol: Record<Breakdown, string> = { source: 'p.source_channel', channel: 'o.channel', store: 'o.store', country: 'o.country' };

/**
 * Total, series and breakdown of one aggregate over a FROM/WHERE. The totals of the range and of the previous period
 * come from one grouped query; `extra` are further aggregates reported as parts (per period too).
 */
async function aggregate(d: DuckSession, c: MetricContext, opts: { from: string; where: string; time: string; value: string; breakdown?: boolean; extra?: Record<string, string> }): Promise<MetricResult> {
  const base = `FROM ${opts.from} WHERE ${opts.where}`;
  const extra = Object.entries(opts.extra ?? {}).map(([k, sql]) => `, ${sql} AS "${k}"`).join('');
  const totals = await d.all(`SELECT ${periodOf(opts.time, c)} AS period, ${opts.value} AS value${extra} ${base} GROUP BY 1`);
  const partsOf = (row: Record<string, unknown> | undefined) => (opts.extra ? Object.fromEntries(Object.keys(opts.extra).map((k) => [k, num(row?.[k])])) : undefined);
  const cur = totals.find((r) => r.period === 'cur');
  const prev = totals.find((r) => r.period === 'prev');
  const s = await d.all(`SELECT ${bucket(c.range.interval, opts.time, c.tz)} AS bucket, ${opts.value} AS value ${base} AND ${current(opts.time, c)} GROUP BY 1 ORDER BY 1`);
  const out: MetricResult = { value: num(cur?.value), series: series(s), parts: partsOf(cur) };
  if (c.previous) out.previous = { value: num(prev?.value), parts: partsOf(prev) };
  if (c.breakdown && opts.breakdown) {
    const b = await d.all(`SELECT coalesce(${breakdownCol[c.breakdown]}, '(未知)') AS key, ${opts.value} AS value, count(*) AS n ${base} AND ${current(opts.time, c)}
      GROUP BY 1 ORDER BY 2 DESC NULLS LAST LIMIT 50`);
    out.breakdown = breakdownRows(b);
  }
  return out;
}

const breakdownRows = (rows: Record<string, unknown>[]) => rows.map((r) => ({ key: String(r.key), value: num(r.value), n: Number(r.n) }));

const SALES = `ord_net o LEFT JOIN ppl p ON p.cid = o.cid`;
const saleWhere = (c: MetricContext) => `o.kind = 'sale' AND ${inRange('o.placed_at', c)} AND ${c.orders('o')} AND ${c.who('o.cid')}`;

export const METRICS: MetricDef[] = [
  {
    key: 'new_customers', unit: 'count', engine: 'duck', breakdowns: ['source'],
    name: { zh: '新增客户', en: 'New customers' },
    definition: {
      zh: '首次出现（最早一次行为或身份）落在所选时间内、且已识别（有手机号、用户ID等唯一标识）的客户数，合并后按一人计；按首次来源渠道细分。',
      en: 'Identified customers (with a unique identifier such as a phone or user id) first seen in the range, one per person after merges; by first-touch source channel.',
    },
    duck: (d, c) => aggregate(d, c, { from: 'ppl p', where: `p.known AND ${inRange('p.first_seen_at', c)} AND ${c.who('p.cid')}`, time: 'p.first_seen_at', value: 'count(*)', breakdown: true }),
  },
  {
    key: 'active_customers', unit: 'count', engine: 'duck', breakdowns: ['source'],
    name: { zh: '活跃客户（DAU/WAU/MAU）', en: 'Active customers (DAU/WAU/MAU)' },
    definition: {
      zh: '有任意浏览、点击或下单行为的去重客户数。序列为每日（或每周、每月）活跃；DAU、WAU 为区间内日均、周均活跃，MAU 为截至结束日的近 30 天活跃，粘性 = DAU / MAU。',
      en: 'Distinct customers with any page, track or order activity. The series counts actives per day (week, month); DAU and WAU are the range’s daily and weekly averages, MAU the actives in the 30 days to the end, stickiness = DAU / MAU.',
    },
    async duck(d, c) {
      // One pass over the activity: who was active on which local day. Everything else is counted from that.
      // From the earliest day any figure needs: each period's start and the 30 days before each period's end (MAU).
      const earliest = new Date(Math.min(...[c.range, ...(c.previous ? [c.previous] : [])].flatMap((r) => [r.from.getTime(), r.to.getTime() - 30 * 86_400_000])) - 86_400_000); // whole local days
      const dayNumber = localDayNumber('a.ts', c.tz, { from: earliest, to: c.range.to });
      await d.run(`CREATE OR REPLACE TEMP TABLE active_days AS SELECT cid, ${dateOfDayNumber('dn')}::TIMESTAMP AS day
        FROM (SELECT DISTINCT a.cid, ${dayNumber} AS dn FROM act_slim a WHERE a.ts >= ${ts(earliest)} AND a.ts < ${ts(c.range.to)} AND ${c.who('a.cid')})`);
      const day = (x: Date) => `timezone(${literal(c.tz)}, ${ts(x)})`;
      const dayStart = (x: Date) => `date_trunc('day', ${day(x)})`;
      const ranges = c.previous ? { cur: c.range, prev: c.previous } : { cur: c.range };
      // Both periods in each pass: which period a day is in, then totals, weekly actives and the 30 days to each end.
      const periodOfDay = `CASE ${Object.entries(ranges).map(([k, r]) => `WHEN day >= ${dayStart(r.from)} AND day < ${day(r.to)} THEN '${k}'`).join(' ')} END`;
      const totals = await d.all(`SELECT period, count(DISTINCT cid) AS total, count(*) AS cust_days FROM (SELECT cid, ${periodOfDay} AS period FROM active_days) WHERE period IS NOT NULL GROUP BY 1`);
      const weekly = await d.all(`SELECT period, avg(n) AS wau FROM (SELECT ${periodOfDay} AS period, date_trunc('week', day) AS w, count(DISTINCT cid) AS n FROM active_days GROUP BY 1, 2) WHERE period IS NOT NULL GROUP BY 1`);
      const monthly = await d.all(`SELECT ${Object.entries(ranges).map(([k, r]) =>
        `count(DISTINCT cid) FILTER (WHERE day >= ${dayStart(new Date(r.to.getTime() - 30 * 86_400_000))} AND day < ${day(r.to)}) AS "${k}"`).join(', ')} FROM active_days`);
      const stats = (k: string, r: Range) => {
        const row = totals.find((x) => x.period === k);
        const dau = row ? Number(row.cust_days) / Math.max(1, Math.round((r.to.getTime() - r.from.getTime()) / 86_400_000)) : 0;
        const mau = num(monthly[0][k]);
        return { value: row ? num(row.total) : 0, parts: { dau, wau: num(weekly.find((x) => x.period === k)?.wau), mau, stickiness: mau ? dau / mau : null } };
      };
      const cur = stats('cur', c.range);
      const s = await d.all(`SELECT date_trunc('${c.range.interval}', day) AS bucket, count(DISTINCT cid) AS value FROM active_days
        WHERE day >= ${dayStart(c.range.from)} AND day < ${day(c.range.to)} GROUP BY 1 ORDER BY 1`);
      const out: MetricResult = { value: cur.value, parts: cur.parts, series: series(s) };
      if (c.previous) out.previous = stats('prev', c.previous);
      if (c.breakdown === 'source') {
        const b = await d.all(`SELECT coalesce(p.source_channel, '(未知)') AS key, count(DISTINCT x.cid) AS value, count(DISTINCT x.cid) AS n FROM active_days x LEFT JOIN ppl p ON p.cid = x.cid
          WHERE x.day >= date_trunc('day', ${day(c.range.from)}) AND x.day < ${day(c.range.to)} GROUP BY 1 ORDER BY 2 DESC LIMIT 50`);
        out.breakdown = breakdownRows(b);
      }
      return out;
    },
  },
  {
    key: 'gmv', unit: 'fen', engine: 'duck', breakdowns: ['source', 'channel', 'store', 'country'],
    name: { zh: '成交额 GMV', en: 'GMV' },
    definition: {
      zh: '下单时间落在所选时间内的销售订单实付金额合计（退款前，单位分）；另给出其中已退款金额与净额。',
      en: 'Paid amount of sale orders placed in the range, before refunds (fen); with the part refunded so far and the net.',
    },
    duck: (d, c) => aggregate(d, c, { from: SALES, where: saleWhere(c), time: 'o.placed_at', value: 'sum(o.amount)', breakdown: true, extra: { refunded: 'sum(o.refunded)', net: 'sum(o.net)' } }),
  },
  {
    key: 'orders', unit: 'count', engine: 'duck', breakdowns: ['source', 'channel', 'store', 'country'],
    name: { zh: '订单数', en: 'Orders' },
    definition: { zh: '下单时间落在所选时间内的销售订单数（含之后退款的订单）。', en: 'Sale orders placed in the range (including ones refunded later).' },
    duck: (d, c) => aggregate(d, c, { from: SALES, where: saleWhere(c), time: 'o.placed_at', value: 'count(*)', breakdown: true }),
  },
  {
    key: 'aov', unit: 'fen', engine: 'duck', breakdowns: ['source', 'channel', 'store', 'country'],
    name: { zh: '客单价', en: 'AOV' },
    definition: { zh: 'GMV ÷ 订单数（单位分）。', en: 'GMV ÷ orders (fen).' },
    duck: (d, c) => aggregate(d, c, { from: SALES, where: saleWhere(c), time: 'o.placed_at', value: 'avg(o.amount)', breakdown: true }),
  },
  {
    key: 'paying_customers', unit: 'count', engine: 'duck', breakdowns: ['source', 'channel', 'store', 'country'],
    name: { zh: '付费客户', en: 'Paying customers' },
    definition: { zh: '所选时间内至少下过一笔销售订单的去重客户数（无法识别的游客订单不计）。', en: 'Distinct customers with at least one sale order in the range (guest orders without an identifier are not counted).' },
    duck: (d, c) => aggregate(d, c, { from: SALES, where: `${saleWhere(c)} AND o.cid IS NOT NULL`, time: 'o.placed_at', value: 'count(DISTINCT o.cid)', breakdown: true }),
  },
  {
    key: 'repurchase_rate', unit: 'ratio', engine: 'duck', breakdowns: ['source', 'channel', 'store', 'country'],
    name: { zh: '复购率', en: 'Repurchase rate' },
    definition: {
      zh: '首单落在所选时间内的新买家中，在首单后 N 天内（默认 30 天）下了第二单的比例。首单日期晚于"结束日 − N 天"的买家观察期不足，也计入分母。',
      en: 'Of first-time buyers whose first order falls in the range, the share who placed a second order within N days (30 by default). Buyers whose window runs past the end are counted too.',
    },
    async duck(d, c) {
      const first = `(SELECT o.cid, o.placed_at AS t1, o.channel, o.store, o.country FROM ord o WHERE o.order_index = 1 AND o.kind = 'sale' AND ${inRange('o.placed_at', c)} AND ${c.orders('o')} AND ${c.who('o.cid')})`;
      const from = `${first} o LEFT JOIN ppl p ON p.cid = o.cid LEFT JOIN ord o2 ON o2.cid = o.cid AND o2.kind = 'sale' AND o2.order_index = 2 AND o2.placed_at <= o.t1 + INTERVAL ${c.repurchaseDays} DAY`;
      return aggregate(d, c, { from, where: 'TRUE', time: 'o.t1', value: 'avg(CASE WHEN o2.cid IS NOT NULL THEN 1.0 ELSE 0.0 END)', breakdown: true });
    },
  },
  {
    key: 'member_gmv_share', unit: 'ratio', engine: 'duck', breakdowns: ['channel', 'store'],
    name: { zh: '会员 GMV 占比', en: 'Member share of GMV' },
    definition: { zh: '所选时间内 GMV 中由会员（已开通积分账户的客户）贡献的比例。', en: 'Share of the range’s GMV from members (customers with a points account).' },
    duck: (d, c) => aggregate(d, c, { from: SALES, where: saleWhere(c), time: 'o.placed_at', value: 'sum(CASE WHEN p.is_member THEN o.amount ELSE 0 END)::DOUBLE / nullif(sum(o.amount), 0)', breakdown: true }),
  },
  {
    key: 'group_activity', unit: 'count', engine: 'duck', breakdowns: ['source'],
    name: { zh: '社群活跃', en: 'Group activity' },
    definition: {
      zh: '社群相关事件（事件名以 group_ 开头，如 group_message、group_joined，来自企业微信群回调或社群工具）的去重活跃客户数；另给出事件总数。',
      en: 'Distinct customers active in groups (events named group_*, such as group_message or group_joined, from WeCom group callbacks or community tools); with the number of such events.',
    },
    duck: (d, c) => aggregate(d, c, {
      from: 'act_slim a LEFT JOIN ppl p ON p.cid = a.cid', where: `a.event LIKE 'group\\_%' ESCAPE '\\' AND ${inRange('a.ts', c)} AND ${c.who('a.cid')}`,
      time: 'a.ts', value: 'count(DISTINCT a.cid)', breakdown: true, extra: { events: 'count(*)' },
    }),
  },
  {
    key: 'messages', unit: 'count', engine: 'pg', breakdowns: ['channel'],
    name: { zh: '消息触达', en: 'Message reach' },
    definition: {
      zh: '所选时间内发出（送达服务商）的消息数；另给出打开、点击的消息数与比例，以及触达客户在首次触达后 7 天内下单的转化率。拦截的消息不计入。',
      en: 'Messages sent (handed to the provider) in the range; with opened and clicked messages and rates, and the share of reached customers who ordered within 7 days of their first message. Suppressed messages do not count.',
    },
    async pg(tx, c) {
      const p = [tx.workspaceId, c.range.from, c.range.to, c.tz];
      const [t] = (await tx.query<{ sent: number; opened: number; clicked: number; reached: number; converted: number }>(
        `WITH m AS (SELECT customer_id, channel, sent_at, opened_at, clicked_at FROM outbox WHERE workspace_id = $1 AND status = 'sent' AND sent_at >= $2 AND sent_at < $3),
              reached AS (SELECT customer_id, min(sent_at) AS t FROM m WHERE customer_id IS NOT NULL GROUP BY 1)
         SELECT (SELECT count(*) FROM m)::int AS sent, (SELECT count(opened_at) FROM m)::int AS opened, (SELECT count(clicked_at) FROM m)::int AS clicked,
                (SELECT count(*) FROM reached)::int AS reached,
                (SELECT count(*) FROM reached r WHERE EXISTS (SELECT 1 FROM customers k JOIN orders o ON o.workspace_id = k.workspace_id AND o.customer_id = k.id
                   WHERE k.workspace_id = $1 AND k.canonical_id = r.customer_id AND o.kind = 'sale' AND o.placed_at > r.t AND o.placed_at <= r.t + interval '7 days'))::int AS converted`,
        p.slice(0, 3))).rows;
      const s = (await tx.query<{ bucket: Date; value: number }>(
        `SELECT date_trunc('${c.range.interval}', sent_at AT TIME ZONE $4) AS bucket, count(*)::int AS value FROM outbox
          WHERE workspace_id = $1 AND status = 'sent' AND sent_at >= $2 AND sent_at < $3 GROUP BY 1 ORDER BY 1`, p)).rows;
      const b = (await tx.query<{ key: string; value: number }>(
        `SELECT channel AS key, count(*)::int AS value FROM outbox WHERE workspace_id = $1 AND status = 'sent' AND sent_at >= $2 AND sent_at < $3 GROUP BY 1 ORDER BY 2 DESC`, p.slice(0, 3))).rows;
      const rate = (a: number, b: number) => (b ? a / b : null);
      return {
        value: t.sent, series: s.map((r) => ({ bucket: new Date(r.bucket).toISOString().slice(0, 10), value: r.value })),
        breakdown: c.breakdown === 'channel' ? b.map((r) => ({ key: r.key, value: r.value })) : undefined,
        parts: { opened: t.opened, clicked: t.clicked, open_rate: rate(t.opened, t.sent), click_rate: rate(t.clicked, t.sent), reached: t.reached, conversion: rate(t.converted, t.reached) },
      };
    },
  },
  {
    key: 'points_liability', unit: 'points', engine: 'pg', breakdowns: [],
    name: { zh: '积分负债', en: 'Points liability' },
    definition: { zh: '当前所有会员未使用的积分余额合计（不随时间范围变化）；另给出冻结中的积分。', en: 'Unspent points of all members now (not tied to the range); with points held.' },
    async pg(tx) {
      const [r] = (await tx.query<{ balance: number; held: number }>(`SELECT COALESCE(sum(balance), 0)::bigint AS balance, COALESCE(sum(held), 0)::bigint AS held FROM points_accounts WHERE workspace_id = $1`, [tx.workspaceId])).rows;
      return { value: Number(r.balance), series: [], parts: { held: Number(r.held) } };
    },
  },
];

export const METRIC_KEYS = METRICS.map((m) => m.key) as [string, ...string[]];
export const metricByKey = new Map(METRICS.map((m) => [m.key, m]));
