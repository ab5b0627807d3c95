// Best send time: each customer's engagement by hour of the week (in the workspace's time zone), shrunk toward the
// pattern of the customer's segment — the people who arrived through the same channel — when the customer has
// little history; with no history the answer is that segment's best hour (or the whole base's, for a small segment).
// The journey send step can hold a message until the customer's best hour.
import type { TenantTx } from '../kernel/tenant.ts';
import { localDate, wallTimeToUtc } from '../kernel/time.ts';

export const HOURS_OF_WEEK = 168;
/** Pseudo-events of the segment pattern mixed into every customer's own counts. */
export const PRIOR_WEIGHT = 20;
/** A segment needs this many events in the prior window before its own pattern is trusted over the base's. */
const MIN_SEGMENT_EVENTS = 200;
const OWN_DAYS = 180;
const PRIOR_DAYS = 90;
const PRIOR_TTL_MS = 6 * 3600_000;
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

export interface SendTime {
  hourOfWeek: number;
  /** 0 = Sunday, as in the histogram */
  weekday: number;
  hour: number;
  label: string;
  probability: number;
  ownEvents: number;
  shrinkage: number;
  /** whose pattern the customer's thin history was shrunk toward */
  prior: string;
}

export function bestHour(own: number[], prior: number[], priorWeight = PRIOR_WEIGHT, priorName = 'base'): SendTime {
  const n = own.reduce((s, v) => s + v, 0);
  const p = prior.reduce((s, v) => s + v, 0) || 1;
  const posterior = own.map((v, h) => (v + (priorWeight * prior[h]) / p) / (n + priorWeight));
  let best = 0;
  for (let h = 1; h < HOURS_OF_WEEK; h++) if (posterior[h] > posterior[best]) best = h;
  return {
    hourOfWeek: best, weekday: Math.floor(best / 24), hour: best % 24, label: `${WEEKDAYS[Math.floor(best / 24)]} ${best % 24}:00`,
    probability: posterior[best], ownEvents: n, shrinkage: priorWeight / (n + priorWeight), prior: priorName,
  };
}

const ENGAGEMENT = `e.type IN ('track', 'page', 'screen') AND e.event NOT LIKE 'segment\\_%' AND e.event NOT LIKE 'journey\\_%' AND e.event NOT LIKE 'message\\_%'`;
const HOW = `(extract(dow FROM e.ts AT TIME ZONE $2) * 24 + extract(hour FROM e.ts AT TIME ZONE $2))::int`;

interface Priors {
  base: number[];
  bySegment: Map<string, number[]>;
  at: number;
}
const priorCache = new Map<string, Priors>();

/** The base's and each acquisition channel's hour-of-week pattern, recomputed at most every few hours. */
async function priorsOf(tx: TenantTx, tz: string, now: Date): Promise<Priors> {
  const cached = priorCache.get(tx.workspaceId);
  if (cached && Math.abs(now.getTime() - cached.at) < PRIOR_TTL_MS) return cached;
  const { rows } = await tx.query<{ seg: string | null; how: number; n: number }>(
    `SELECT r.source_channel AS seg, ${HOW} AS how, count(*)::int AS n
       FROM events e JOIN customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id
       JOIN customers r ON r.workspace_id = c.workspace_id AND r.id = c.canonical_id
      WHERE e.workspace_id = $1 AND e.ts >= $3 AND e.ts <= $4 AND ${ENGAGEMENT}
      GROUP BY 1, 2`,
    [tx.workspaceId, tz, new Date(now.getTime() - PRIOR_DAYS * 86400_000), now],
  );
  const base = new Array(HOURS_OF_WEEK).fill(0);
  const bySegment = new Map<string, number[]>();
  for (const r of rows) {
    base[r.how] += r.n;
    if (r.seg) (bySegment.get(r.seg) ?? bySegment.set(r.seg, new Array(HOURS_OF_WEEK).fill(0)).get(r.seg)!)[r.how] += r.n;
  }
  for (const [seg, h] of bySegment) if (h.reduce((s, v) => s + v, 0) < MIN_SEGMENT_EVENTS) bySegment.delete(seg);
  const priors = { base, bySegment, at: now.getTime() };
  priorCache.set(tx.workspaceId, priors);
  return priors;
}

export async function workspaceZone(tx: TenantTx): Promise<string> {
  return (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [tx.workspaceId])).rows[0].timezone;
}

/** Best send times of several (canonical) customers at once: one query for their own histories. */
export async function bestSendTimes(tx: TenantTx, customerIds: number[], now: Date, tz?: string): Promise<Map<number, SendTime>> {
  const zone = tz ?? (await workspaceZone(tx));
  const priors = await priorsOf(tx, zone, now);
  const { rows } = await tx.query<{ id: number; how: number | null; n: number; seg: string | null }>(
    `SELECT r.id, h.how, coalesce(h.n, 0)::int AS n, r.source_channel AS seg
       FROM customers r LEFT JOIN LATERAL (
              SELECT ${HOW} AS how, count(*)::int AS n
                FROM customers c JOIN events e ON e.workspace_id = c.workspace_id AND e.customer_id = c.id
               WHERE c.workspace_id = r.workspace_id AND c.canonical_id = r.id AND e.ts >= $3 AND e.ts <= $4 AND ${ENGAGEMENT}
               GROUP BY 1) h ON true
      WHERE r.workspace_id = $1 AND r.id = ANY($5)`,
    [tx.workspaceId, zone, new Date(now.getTime() - OWN_DAYS * 86400_000), now, customerIds],
  );
  const own = new Map<number, { hist: number[]; seg: string | null }>();
  for (const r of rows) {
    const o = own.get(r.id) ?? own.set(r.id, { hist: new Array(HOURS_OF_WEEK).fill(0), seg: r.seg }).get(r.id)!;
    if (r.how !== null) o.hist[r.how] += r.n;
  }
  const out = new Map<number, SendTime>();
  for (const [id, o] of own) {
    const segment = o.seg ? priors.bySegment.get(o.seg) : undefined;
    out.set(id, bestHour(o.hist, segment ?? priors.base, PRIOR_WEIGHT, segment ? o.seg! : 'base'));
  }
  return out;
}

export async function sendTimeFor(tx: TenantTx, root: number, now: Date) {
  const timezone = await workspaceZone(tx);
  const best = (await bestSendTimes(tx, [root], now, timezone)).get(root)!;
  return { timezone, ...best, next: nextHourOfWeek(now, best.hourOfWeek, timezone) };
}

/** The start of the next occurrence of an hour of the week (0 = Sunday 00:00) in a zone; now, if we are in it. */
export function nextHourOfWeek(now: Date, hourOfWeek: number, timeZone: string): Date {
  const weekday = Math.floor(hourOfWeek / 24);
  const hour = hourOfWeek % 24;
  const today = localDate(now, timeZone);
  for (let d = 0; d <= 7; d++) {
    const start = wallTimeToUtc(today.year, today.month, today.day + d, hour, 0, 0, timeZone);
    if (localDate(start, timeZone).weekday % 7 !== weekday) continue;
    if (now.getTime() < start.getTime() + 3600_000) return now.getTime() >= start.getTime() ? now : start;
  }
  return wallTimeToUtc(today.year, today.month, today.day + 7, hour, 0, 0, timeZone);
}
