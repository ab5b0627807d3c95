// Reacting to events from the journey inbox, in order, one consumer per workspace at a time: customers enter
// journeys whose trigger matches (under the re-entry policy), waiting customers wake, goals are recorded and exit
// conditions take customers out. The inbox rows are deleted in the same transaction, so each event counts once.
import type { TenantTx } from '../kernel/tenant.ts';
import { END_NODE, matchesFilters, type JourneyDefinition } from './definition.ts';
import { liveJourneys, versionsOf, type LiveJourney } from './store.ts';
import { rootsOf } from '../identity/roots.ts';
import { appendTimeline } from '../customers/timeline.ts';

const DAY = 86_400_000;

interface InboxRow {
  id: number;
  event_id: number;
  customer_id: number;
  event: string;
  properties: Record<string, unknown>;
  ts: Date;
}

interface RunRow {
  id: number;
  journey_id: number;
  version: number;
  customer_id: number;
  node: string;
  phase: number;
  status: string;
  waiting_for: string | null;
  entered_at: Date;
  updated_at: Date;
  goal_at: Date | null;
  due_at?: Date | null;
  exit_reason?: string;
  changed?: boolean;
}

export interface InboxResult {
  events: number;
  entered: number;
  woken: number;
  goals: number;
  exited: number;
  /** customers whose journey state changed (for the timeline) */
  customers: Set<number>;
}

export async function consumeInbox(tx: TenantTx, now: Date, limit = 2000): Promise<InboxResult> {
  const ws = tx.workspaceId;
  const result: InboxResult = { events: 0, entered: 0, woken: 0, goals: 0, exited: 0, customers: new Set() };
  // One consumer per workspace: re-entry checks and wake-ups see each other's effects in event order.
  const locked = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('siyu.journey_inbox'), hashtext($1)) AS ok`, [ws]);
  if (!locked.rows[0].ok) return result;
  const { rows: events } = await tx.query<InboxRow>(
    `DELETE FROM journey_inbox WHERE workspace_id = $1 AND id IN (SELECT id FROM journey_inbox WHERE workspace_id = $1 ORDER BY id LIMIT $2)
     RETURNING id, event_id, customer_id, event, properties, ts`, [ws, limit]);
  if (events.length === 0) return result;
  events.sort((a, b) => a.id - b.id);
  result.events = events.length;

  const roots = await rootsOf(tx, events.map((e) => e.customer_id));
  const customers = [...new Set(events.map((e) => roots.get(e.customer_id) ?? e.customer_id))];

  // Runs that may react: in flight, or finished without their goal yet.
  const { rows: runs } = await tx.query<RunRow>(
    `SELECT id, journey_id, version, customer_id, node, phase, status, waiting_for, entered_at, updated_at, goal_at FROM journey_runs
      WHERE workspace_id = $1 AND customer_id = ANY($2) AND (status = 'active' OR goal_at IS NULL) FOR UPDATE`, [ws, customers]);
  const defs = await versionsOf(tx, runs.map((r) => ({ journeyId: r.journey_id, version: r.version })));
  const live = await liveJourneys(tx);
  const history = await entryHistory(tx, customers, live);
  const byCustomer = new Map<number, RunRow[]>();
  for (const r of runs) byCustomer.set(r.customer_id, [...(byCustomer.get(r.customer_id) ?? []), r]);

  const created: { journey: LiveJourney; customerId: number; context: Record<string, unknown>; at: Date }[] = [];
  for (const e of events) {
    const customerId = roots.get(e.customer_id) ?? e.customer_id;
    const ts = new Date(e.ts);
    for (const run of byCustomer.get(customerId) ?? []) {
      const def = defs.get(`${run.journey_id}:${run.version}`);
      if (!def || ts < new Date(run.entered_at)) continue;
      if (def.goal && run.goal_at == null && e.event === def.goal.event && ts.getTime() <= new Date(run.entered_at).getTime() + def.goal.withinDays * DAY
          && matchesFilters(e.properties, def.goal.where)) {
        run.goal_at = ts;
        run.changed = true;
        result.goals++;
        if (def.goal.exitOnGoal && run.status === 'active') exit(run, 'goal', result);
      }
      if (run.status !== 'active') continue;
      if (def.exitOn && e.event === def.exitOn.event && matchesFilters(e.properties, def.exitOn.where)) {
        exit(run, 'exit_event', result);
        continue;
      }
      const node = def.nodes[run.node];
      if (run.phase === 1 && node?.type === 'wait_event' && run.waiting_for === e.event && ts >= new Date(run.updated_at) && matchesFilters(e.properties, node.where)) {
        wake(run, node.next, now);
        result.woken++;
      }
    }
    for (const j of live) {
      if (!triggers(j.def, e)) continue;
      const key = `${j.id}:${customerId}`;
      const last = history.get(key);
      const r = j.def.reentry;
      if (last && (r === 'once' || (typeof r === 'object' && ts.getTime() - last.getTime() < r.days * DAY))) continue;
      history.set(key, ts);
      created.push({ journey: j, customerId, context: { event: e.event, properties: e.properties, event_id: e.event_id }, at: ts });
    }
  }

  const changed = runs.filter((r) => r.changed);
  if (changed.length) {
    await tx.query(
      `UPDATE journey_runs r SET node = u.node, phase = u.phase, status = u.status, waiting_for = u.wf, due_at = u.due, goal_at = u.goal,
              finished_at = CASE WHEN u.status <> 'active' THEN COALESCE(r.finished_at, $2) END, exit_reason = COALESCE(u.reason, r.exit_reason), updated_at = $2
         FROM unnest($3::bigint[], $4::text[], $5::smallint[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[]) AS u(id, node, phase, status, wf, due, goal, reason)
        WHERE r.workspace_id = $1 AND r.id = u.id`,
      [ws, now, changed.map((r) => r.id), changed.map((r) => r.node), changed.map((r) => r.phase), changed.map((r) => r.status),
       changed.map((r) => r.waiting_for), changed.map((r) => r.due_at ?? null), changed.map((r) => r.goal_at), changed.map((r) => r.exit_reason ?? null)],
    );
  }
  if (created.length) {
    await tx.query(
      `INSERT INTO journey_runs (workspace_id, journey_id, version, customer_id, node, status, due_at, context, entered_at, updated_at)
       SELECT $1, u.j, u.v, u.c, u.node, 'active', $2, u.ctx, $2, $2 FROM unnest($3::bigint[], $4::int[], $5::bigint[], $6::text[], $7::jsonb[]) AS u(j, v, c, node, ctx)`,
      [ws, now, created.map((c) => c.journey.id), created.map((c) => c.journey.version), created.map((c) => c.customerId), created.map((c) => c.journey.def.start),
       created.map((c) => JSON.stringify(c.context))],
    );
    await journeyEvents(tx, created.map((c) => ({ customerId: c.customerId, event: 'journey_entered', journeyId: c.journey.id, name: c.journey.name, version: c.journey.version })), now);
    result.entered = created.length;
    for (const c of created) result.customers.add(c.customerId);
  }
  return result;
}

function triggers(def: JourneyDefinition, e: InboxRow): boolean {
  const t = def.trigger;
  if (t.type === 'event') return e.event === t.event && matchesFilters(e.properties, t.where);
  if (t.type === 'segment') return e.event === (t.on === 'entered' ? 'segment_entered' : 'segment_exited') && e.properties.segment === t.segment;
  return false;
}

function exit(run: RunRow, reason: string, result: InboxResult) {
  run.status = 'exited';
  run.exit_reason = reason;
  run.due_at = null;
  run.waiting_for = null;
  run.changed = true;
  result.exited++;
  result.customers.add(run.customer_id);
}

/** The run goes on at `next` now; with no next node the executor finds none and completes it (with its event). */
function wake(run: RunRow, next: string | undefined, now: Date) {
  run.changed = true;
  run.waiting_for = null;
  run.phase = 0;
  run.due_at = now;
  run.node = next ?? END_NODE;
}

/** When each customer last entered each live journey (for the re-entry policy). */
async function entryHistory(tx: TenantTx, customers: number[], live: LiveJourney[]): Promise<Map<string, Date>> {
  const out = new Map<string, Date>();
  const ids = live.filter((j) => j.def.reentry !== 'always').map((j) => j.id);
  if (ids.length === 0) return out;
  const { rows } = await tx.query<{ journey_id: number; customer_id: number; last: Date }>(
    `SELECT journey_id, customer_id, max(entered_at) AS last FROM journey_runs WHERE workspace_id = $1 AND journey_id = ANY($2) AND customer_id = ANY($3)
      GROUP BY journey_id, customer_id`, [tx.workspaceId, ids, customers]);
  for (const r of rows) out.set(`${r.journey_id}:${r.customer_id}`, new Date(r.last));
  return out;
}

/** journey_entered / journey_completed / journey_exited on the customer's timeline. */
export async function journeyEvents(tx: TenantTx, items: { customerId: number; event: string; journeyId: number; name: string; version: number; runId?: number; reason?: string }[], now: Date) {
  await appendTimeline(tx, items.map((i) => ({
    key: `journey:${i.journeyId}:${i.customerId}:${i.event}:${i.runId ?? now.getTime()}`,
    customerId: i.customerId,
    event: i.event,
    properties: { journey_id: i.journeyId, journey: i.name, version: i.version, ...(i.runId != null ? { run_id: i.runId } : {}), ...(i.reason != null ? { reason: i.reason } : {}) },
    at: now,
  })));
}
