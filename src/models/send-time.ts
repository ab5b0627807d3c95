// Best send time: each customer's engagement by hour of the week (in the workspace's time zone), shrunk toward the
// whole base's pattern when the customer has little history — with no history the answer is the base's best hour.
import type { TenantTx } from '../kernel/tenant.ts';

export const HOURS_OF_WEEK = 168;
/** Pseudo-events of the base pattern mixed into every customer's own counts. */
export const PRIOR_WEIGHT = 20;
const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

export function bestHour(own: number[], prior: number[], priorWeight = PRIOR_WEIGHT) {
  const n = own.reduce((s, v) => s + v, 0);
  const p = prior.reduce((s, v) => s + v, 0) || 1;
  const posterior = own.map((v, h) => (v + (priorWeight * prior[h]) / p) / (n + priorWeight));
  let best = 0;
  for (let h = 1; h < HOURS_OF_WEEK; h++) if (posterior[h] > posterior[best]) best = h;
  return { hourOfWeek: best, weekday: Math.floor(best / 24), hour: best % 24, label: `${WEEKDAYS[Math.floor(best / 24)]} ${best % 24}:00`, probability: posterior[best], ownEvents: n, shrinkage: priorWeight / (n + priorWeight) };
}

async function histogram(tx: TenantTx, tz: string, since: Date, root: number | null): Promise<number[]> {
  const { rows } = await tx.query<{ how: number; n: number }>(
    `SELECT (extract(dow FROM e.ts AT TIME ZONE $2) * 24 + extract(hour FROM e.ts AT TIME ZONE $2))::int AS how, count(*)::int AS n
       FROM events e ${root === null ? '' : 'JOIN customers c ON c.workspace_id = e.workspace_id AND c.id = e.customer_id AND c.canonical_id = $4'}
      WHERE e.workspace_id = $1 AND e.ts >= $3 AND e.type IN ('track', 'page', 'screen') AND e.event NOT LIKE 'segment\\_%'
      GROUP BY 1`,
    root === null ? [tx.workspaceId, tz, since] : [tx.workspaceId, tz, since, root],
  );
  const out = new Array(HOURS_OF_WEEK).fill(0);
  for (const r of rows) out[r.how] = r.n;
  return out;
}

export async function sendTimeFor(tx: TenantTx, root: number, now: Date) {
  const tz = (await tx.query<{ timezone: string }>(`SELECT timezone FROM workspaces WHERE id = $1`, [tx.workspaceId])).rows[0].timezone;
  const since = new Date(now.getTime() - 180 * 86400_000);
  const own = await histogram(tx, tz, since, root);
  const prior = await histogram(tx, tz, new Date(now.getTime() - 90 * 86400_000), null);
  return { timezone: tz, ...bestHour(own, prior) };
}
