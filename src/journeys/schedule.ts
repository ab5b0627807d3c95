// Entries that come from the calendar, not from an event: recurring schedules (everyone in a segment, every day /
// week / month at a local time) and dates on the profile (birthday, N days after the first order, anniversaries).
// Each entry carries its occurrence (the local date, or "once"), unique per journey and customer, so scanning again
// — after a restart, or from a second process — enters nobody twice. Dates are read in the workspace's time zone.
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { localDate, wallTimeToUtc } from '../kernel/time.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { loadPolicy } from '../messaging/policy.ts';
import { liveJourneys, type LiveJourney } from './store.ts';

const CHUNK = 5000;
const DAY = 86_400_000;

export async function enterScheduled(ctx: AppContext, engine: UnderstandingEngine | null, workspaceId: string, now: Date): Promise<number> {
  const { journeys, tz } = await withTenant(ctx.db, workspaceId, async (tx) => ({
    journeys: (await liveJourneys(tx)).filter((j) => j.def.trigger.type === 'date' || j.def.trigger.type === 'schedule'),
    tz: (await loadPolicy(tx)).timezone,
  }));
  let entered = 0;
  const today = localDate(now, tz);
  const occurrence = `${today.year}-${String(today.month).padStart(2, '0')}-${String(today.day).padStart(2, '0')}`;
  for (const j of journeys) {
    const t = j.def.trigger;
    if (t.type !== 'date' && t.type !== 'schedule') continue;
    const [h, m] = t.at.split(':').map(Number);
    const at = wallTimeToUtc(today.year, today.month, today.day, h, m, 0, tz);
    if (t.type === 'schedule') {
      if (now < at) continue;
      if (t.every === 'week' && today.weekday !== (t.weekday ?? 1)) continue;
      if (t.every === 'month' && today.day !== (t.monthDay ?? 1)) continue;
      if (!engine) continue;
      const members = [...(await engine.members(workspaceId, 'segment', t.segment)).ids()];
      entered += await enter(ctx, workspaceId, j, members, occurrence, now);
    } else if (t.type === 'date') {
      const ids = await withTenant(ctx.db, workspaceId, (tx) => dueByDate(ctx, tx, j, today, tz));
      // Before the time of day, customers enter with their first step due at that time.
      entered += await enter(ctx, workspaceId, j, ids, t.yearly || t.field === 'birthday' ? occurrence : 'once', now < at ? at : now);
    }
  }
  return entered;
}

async function enter(ctx: AppContext, workspaceId: string, j: LiveJourney, ids: number[], occurrence: string, due: Date): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    n += await withTenant(ctx.db, workspaceId, async (tx) => {
      const { rowCount } = await tx.query(
        `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, node, status, due_at, context, entered_at, updated_at, occurrence)
         SELECT $1, $2, $3, c, $4, 'active', $5, $6, $7, $7, $8 FROM unnest($9::bigint[]) AS c
         ON CONFLICT (workspace_id, journey_id, customer_id, occurrence) WHERE occurrence IS NOT NULL DO NOTHING`,
        [workspaceId, j.id, j.version, j.def.start, due, JSON.stringify({ event: j.def.trigger.type, properties: { occurrence } }), ctx.clock.now(), occurrence, chunk],
      );
      return rowCount;
    });
  }
  return n;
}

/** Customers whose date (plus the offset) falls on today. Birthdays are PII: decrypted here, never stored in clear. */
async function dueByDate(ctx: AppContext, tx: TenantTx, j: LiveJourney, today: { year: number; month: number; day: number }, tz: string): Promise<number[]> {
  const t = j.def.trigger;
  if (t.type !== 'date') return [];
  // The date that, moved by the offset, lands on today.
  const target = new Date(Date.UTC(today.year, today.month - 1, today.day) - t.offsetDays * DAY);
  const md = (d: Date) => `${d.getUTCMonth() + 1}-${d.getUTCDate()}`;
  if (t.field === 'birthday') {
    const { rows } = await tx.query<{ id: number; b: string }>(`SELECT id, pii->>'birthday' AS b FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND pii ? 'birthday'`, [tx.workspaceId]);
    const want = md(target);
    return rows.filter((r) => {
      const m = /^\d{4}-(\d{1,2})-(\d{1,2})/.exec(ctx.pii.decrypt(r.b));
      return m && `${Number(m[1])}-${Number(m[2])}` === want;
    }).map((r) => r.id);
  }
  const dayStart = wallTimeToUtc(target.getUTCFullYear(), target.getUTCMonth() + 1, target.getUTCDate(), 0, 0, 0, tz);
  if (!t.yearly) {
    const { rows } = await tx.query<{ id: number }>(
      `SELECT id FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND ${t.field} >= $2 AND ${t.field} < $3`,
      [tx.workspaceId, dayStart, new Date(dayStart.getTime() + DAY)]);
    return rows.map((r) => r.id);
  }
  const { rows } = await tx.query<{ id: number }>(
    `SELECT id FROM customers WHERE workspace_id = $1 AND merged_into IS NULL AND ${t.field} < $2
        AND extract(month FROM ${t.field} AT TIME ZONE $3) = $4 AND extract(day FROM ${t.field} AT TIME ZONE $3) = $5`,
    [tx.workspaceId, dayStart, tz, target.getUTCMonth() + 1, target.getUTCDate()]);
  return rows.map((r) => r.id);
}
