// Running customers through journeys. A batch of due runs is claimed with FOR UPDATE SKIP LOCKED (several processes
// share the work), each run advances node by node (one file per node type in nodes/) until it must wait, and every
// effect — outbox rows, tags, attributes, tasks, points, coupons, the runs' new state, node counts — commits in the
// batch's one transaction. Effect keys derive from the run, node and step number, so a batch redone after a crash
// writes the same rows.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { loadPolicy } from '../messaging/policy.ts';
import { loadChannels } from '../messaging/channels.ts';
import { templatesByKey } from '../messaging/templates.ts';
import { enqueueMessages, type MessageRequest } from '../messaging/outbox.ts';
import type { JourneyDefinition, JourneyNode } from './definition.ts';
import { versionsOf } from './store.ts';
import { journeyEvents } from './entry.ts';
import { PHASE_RUN, PHASE_WAIT, type Run } from './run.ts';
import { Effects } from './effects.ts';
import { bestTimeScheduler, conditionTester, timeZones } from './batch-context.ts';
import { NODE_STEPS, type NodeStep, type StepContext } from './nodes/index.ts';

/** Steps one run may take in one batch: a guard, since validation already refuses cycles without a wait. */
const MAX_STEPS_PER_PASS = 100;

export interface BatchResult {
  runs: number;
  steps: number;
  sends: number;
  customersChanged: number[];
}

export async function executeDue(ctx: AppContext, engine: UnderstandingEngine | null, tx: TenantTx, now: Date, limit = 500): Promise<BatchResult> {
  const ws = tx.workspaceId;
  const { rows: runs } = await tx.query<Run>(
    `SELECT id, journey_id, version, customer_id, node, phase, status, due_at, waiting_for, variant, holdout, context, steps, exit_reason
       FROM journey_runs WHERE workspace_id = $1 AND status = 'active' AND due_at <= $2 ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
    [ws, now, limit],
  );
  const result: BatchResult = { runs: runs.length, steps: 0, sends: 0, customersChanged: [] };
  if (runs.length === 0) return result;

  const defs = await versionsOf(tx, runs.map((r) => ({ journeyId: r.journey_id, version: r.version })));
  const names = new Map((await tx.query<{ id: number; name: string }>(`SELECT id, name FROM journeys WHERE workspace_id = $1 AND id = ANY($2)`,
    [ws, [...new Set(runs.map((r) => r.journey_id))]])).rows.map((r) => [r.id, r.name]));
  const policy = await loadPolicy(tx);
  const zones = await timeZones(tx, runs.map((r) => r.customer_id), policy.timezone);
  const effects = new Effects();
  const conditions = await conditionTester(ctx, engine, tx, [...defs.values()], now);
  const bestTimes = await bestTimeScheduler(tx, [...defs.values()], runs.map((r) => r.customer_id), now);
  const stats = new Map<string, number>();
  const count = (run: Run, node: string, outcome: string) => {
    const k = `${run.journey_id}\u0000${run.version}\u0000${node}\u0000${outcome}`;
    stats.set(k, (stats.get(k) ?? 0) + 1);
  };
  const finished: { run: Run; event: string; reason?: string }[] = [];

  const finish = (run: Run, status: 'completed' | 'exited', reason: string | null) => {
    run.status = status;
    run.exit_reason = reason;
    run.due_at = null;
    run.waiting_for = null;
    finished.push({ run, event: status === 'completed' ? 'journey_completed' : 'journey_exited', reason: reason ?? undefined });
  };
  const moveTo = (run: Run, next: string | undefined) => {
    run.phase = PHASE_RUN;
    if (next) run.node = next;
    else finish(run, 'completed', null);
  };

  // Advances a run until it waits, finishes, or stops at a send (decided for the whole batch at once, below).
  const advance = (run: Run, def: JourneyDefinition) => {
    for (let i = 0; i < MAX_STEPS_PER_PASS && run.status === 'active'; i++) {
      const node = def.nodes[run.node];
      if (!node) return finish(run, 'completed', null);
      if (run.phase === PHASE_WAIT) {
        // A timer ran out: waits continue; a wait for an event that did not come takes the timeout edge.
        count(run, run.node, node.type === 'wait_event' ? 'timed_out' : 'waited');
        moveTo(run, node.type === 'wait_event' ? node.timeoutNext : (node as { next?: string }).next);
        run.waiting_for = null;
        continue;
      }
      result.steps++;
      run.steps++;
      const nodeId = run.node;
      const step: StepContext<JourneyNode> = {
        run, node, now, key: `j:${run.id}:${nodeId}:${run.steps}`, effects,
        zone: () => zones.get(run.customer_id) ?? policy.timezone,
        matches: (rule) => conditions(run.journey_id, run.version, nodeId, rule, run.customer_id),
        bestTime: () => bestTimes(run.customer_id),
        count: (outcome) => count(run, nodeId, outcome),
        moveTo: (next) => moveTo(run, next),
        finish: (status, reason) => finish(run, status, reason),
      };
      if ((NODE_STEPS[node.type] as NodeStep<JourneyNode>)(step) === 'stop') return;
    }
    if (run.status === 'active' && run.phase === PHASE_RUN && !run.pendingSend) {
      // The step guard tripped: continue in the next batch rather than spinning here.
      run.due_at = now;
    }
  };

  for (const run of runs) {
    const def = defs.get(`${run.journey_id}:${run.version}`);
    if (!def) finish(run, 'exited', 'version_missing');
    else advance(run, def);
  }

  // Sends are decided batch-wide by the gate; runs whose message went out (or was suppressed) go on, in rounds,
  // until nothing is left to send. Quiet hours under 'hold' park the run at its send node until the window opens.
  const channels = await loadChannels(tx);
  const templates = await templatesByKey(tx, [...new Set([...defs.values()].flatMap((d) => Object.values(d.nodes).flatMap((n) => (n.type === 'send' ? [n.template] : []))))]);
  while (effects.sends.length) {
    const batch = effects.sends.splice(0);
    const reqs: MessageRequest[] = batch.map(({ run, key, node }) => {
      const source = { type: 'journey' as const, id: `${run.journey_id}:${run.version}:${run.node}` };
      if (node.type === 'webhook') {
        return { idemKey: key, customerId: run.customer_id, channel: 'webhook', transactional: true, source, to: node.url, content: { subject: null, body: '' },
          payload: { journey_id: run.journey_id, node: run.node, event: run.context.event ?? null, properties: run.context.properties ?? {} } };
      }
      return { idemKey: key, customerId: run.customer_id, channel: node.channel, templateKey: node.template, variant: run.variant, transactional: node.transactional,
        source, event: run.context.properties ?? {}, journeyName: names.get(run.journey_id) };
    });
    const byQuiet = new Map<string, number[]>();
    batch.forEach((b, i) => {
      const mode = defs.get(`${b.run.journey_id}:${b.run.version}`)!.quietHours;
      byQuiet.set(mode, [...(byQuiet.get(mode) ?? []), i]);
    });
    for (const [mode, idx] of byQuiet) {
      const outcomes = await enqueueMessages(ctx, tx, idx.map((i) => reqs[i]), now, { quiet: mode as 'hold' | 'drop', policy, channels, templates });
      idx.forEach((i, k) => {
        const { run, node } = batch[i];
        const o = outcomes[k];
        run.pendingSend = false;
        if (o.status === 'held') {
          run.steps--; // the step runs again when the window opens, under the same key
          run.due_at = o.until;
          count(run, run.node, 'held');
          return;
        }
        count(run, run.node, o.status === 'suppressed' ? `suppressed:${o.reason.split(':')[0]}` : 'sent');
        if (o.status !== 'suppressed') result.sends++;
        moveTo(run, node.next);
        if (run.status === 'active') advance(run, defs.get(`${run.journey_id}:${run.version}`)!);
      });
    }
  }

  await effects.apply(ctx, tx, now);
  await saveRuns(tx, runs, now);
  await saveStats(tx, stats);
  await journeyEvents(tx, finished.map((f) => ({ customerId: f.run.customer_id, event: f.event, journeyId: f.run.journey_id, name: names.get(f.run.journey_id) ?? '', version: f.run.version, runId: f.run.id, reason: f.reason })), now);
  result.customersChanged = effects.changedCustomers();
  return result;
}

async function saveRuns(tx: TenantTx, runs: Run[], now: Date) {
  await tx.query(
    `UPDATE journey_runs r SET node = u.node, phase = u.phase, status = u.status, due_at = u.due, waiting_for = u.wf, variant = u.variant, holdout = u.holdout,
            steps = u.steps, exit_reason = u.reason, finished_at = CASE WHEN u.status <> 'active' THEN $2::timestamptz END, updated_at = $2
       FROM unnest($3::bigint[], $4::text[], $5::smallint[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::boolean[], $11::int[], $12::text[])
         AS u(id, node, phase, status, due, wf, variant, holdout, steps, reason)
      WHERE r.workspace_id = $1 AND r.id = u.id`,
    [tx.workspaceId, now, runs.map((r) => r.id), runs.map((r) => r.node), runs.map((r) => r.phase), runs.map((r) => r.status), runs.map((r) => r.due_at),
     runs.map((r) => r.waiting_for), runs.map((r) => r.variant), runs.map((r) => r.holdout), runs.map((r) => r.steps), runs.map((r) => r.exit_reason)],
  );
}

async function saveStats(tx: TenantTx, stats: Map<string, number>) {
  if (stats.size === 0) return;
  const parts = [...stats.entries()].map(([k, n]) => [...k.split('\u0000'), n] as [string, string, string, string, number]);
  await tx.query(
    `INSERT INTO journey_node_stats (workspace_id, journey_id, version, node, outcome, count)
     SELECT $1, u.j, u.v, u.node, u.o, u.n FROM unnest($2::bigint[], $3::int[], $4::text[], $5::text[], $6::bigint[]) AS u(j, v, node, o, n)
     ON CONFLICT (workspace_id, journey_id, version, node, outcome) DO UPDATE SET count = journey_node_stats.count + EXCLUDED.count`,
    [tx.workspaceId, parts.map((p) => Number(p[0])), parts.map((p) => Number(p[1])), parts.map((p) => p[2]), parts.map((p) => p[3]), parts.map((p) => p[4])],
  );
}
