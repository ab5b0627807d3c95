// Running customers through journeys. A batch of due runs is claimed with FOR UPDATE SKIP LOCKED (several processes
// share the work), each run advances node by node until it must wait, and every effect — outbox rows, tags,
// attributes, tasks, points, coupons, the runs' new state, node counts — commits in the batch's one transaction.
// Effect keys derive from the run, node and step number, so a batch redone after a crash writes the same rows.
import crypto from 'node:crypto';
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { isValidTimeZone, nextLocalTime } from '../kernel/time.ts';
import { AppError } from '../kernel/errors.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { compile, type Compiled } from '../segments/evaluate.ts';
import { references } from '../segments/rules.ts';
import { loadPolicy } from '../messaging/policy.ts';
import { loadChannels } from '../messaging/channels.ts';
import { templatesByKey } from '../messaging/templates.ts';
import { enqueueMessages, type MessageRequest } from '../messaging/outbox.ts';
import { loadProgram } from '../loyalty/program.ts';
import { earn } from '../loyalty/ledger.ts';
import { expiryFor } from '../loyalty/earn.ts';
import { emitEntries } from '../loyalty/events.ts';
import { issueCoupon } from '../loyalty/coupons/issue.ts';
import { durationMs, type JourneyDefinition, type JourneyNode } from './definition.ts';
import { versionsOf } from './store.ts';
import { bestSendTimes, nextHourOfWeek, workspaceZone } from '../models/send-time.ts';
import { journeyEvents } from './entry.ts';

/** Steps one run may take in one batch: a guard, since validation already refuses cycles without a wait. */
const MAX_STEPS_PER_PASS = 100;

/** Run phases: run the node when due; wait at it (a timer or an event); at a best-time send whose hour has come. */
const PHASE_RUN = 0;
const PHASE_WAIT = 1;
const PHASE_SEND_NOW = 2;

interface Run {
  id: number;
  journey_id: number;
  version: number;
  customer_id: number;
  node: string;
  phase: number;
  status: 'active' | 'completed' | 'exited';
  due_at: Date | null;
  waiting_for: string | null;
  variant: string | null;
  holdout: boolean;
  context: { event?: string; properties?: Record<string, unknown> };
  steps: number;
  exit_reason: string | null;
  /** set while the run waits for its send to be decided in this batch */
  pendingSend?: boolean;
}

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
      const key = `j:${run.id}:${run.node}:${run.steps}`;
      switch (node.type) {
        case 'wait':
          run.phase = PHASE_WAIT;
          run.due_at = new Date(now.getTime() + durationMs(node.duration));
          return;
        case 'wait_until':
          run.phase = PHASE_WAIT;
          run.due_at = nextLocalTime(new Date(now.getTime() + 1000), node.at, zones.get(run.customer_id) ?? policy.timezone, node.weekdays);
          return;
        case 'wait_event':
          run.phase = PHASE_WAIT;
          run.waiting_for = node.event;
          run.due_at = new Date(now.getTime() + durationMs(node.timeout));
          return;
        case 'condition': {
          const yes = conditions(run.journey_id, run.version, run.node, node.rule, run.customer_id);
          count(run, run.node, yes ? 'yes' : 'no');
          moveTo(run, yes ? node.yes : node.no);
          break;
        }
        case 'split': {
          const branch = pickBranch(node, run.id, run.node);
          if (run.variant == null) run.variant = branch.key;
          if (branch.holdout) run.holdout = true;
          count(run, run.node, `branch:${branch.key}`);
          moveTo(run, branch.next);
          break;
        }
        case 'send':
        case 'webhook':
          if (run.holdout) {
            count(run, run.node, 'holdout');
            moveTo(run, node.next);
            break;
          }
          if (node.type === 'send' && node.timing === 'best_time' && run.phase !== PHASE_SEND_NOW) {
            const at = bestTimes(run.customer_id);
            if (at.getTime() > now.getTime()) {
              run.steps--; // the send runs when its hour comes, under the key it would have had now
              run.phase = PHASE_SEND_NOW;
              run.due_at = at;
              count(run, run.node, 'waiting_best_time');
              return;
            }
          }
          effects.sends.push({ run, key, node });
          run.pendingSend = true;
          return;
        case 'tag':
          (node.remove ? effects.untag : effects.tag).push({ tag: node.tag, customerId: run.customer_id, source: `journey:${run.journey_id}` });
          count(run, run.node, node.remove ? 'removed' : 'added');
          moveTo(run, node.next);
          break;
        case 'attribute':
          effects.attributes.push({ customerId: run.customer_id, attribute: node.attribute, value: node.value });
          count(run, run.node, 'set');
          moveTo(run, node.next);
          break;
        case 'task':
          effects.tasks.push({ key, customerId: run.customer_id, title: node.title, assignee: node.assignee ?? null, source: `journey:${run.journey_id}`, dueAt: new Date(now.getTime() + node.dueInHours * 3_600_000) });
          count(run, run.node, 'created');
          moveTo(run, node.next);
          break;
        case 'points':
        case 'coupon':
          effects.rewards.push({ run, key, node });
          count(run, run.node, 'granted');
          moveTo(run, node.next);
          break;
        case 'exit':
          count(run, run.node, 'exited');
          finish(run, 'exited', 'exit_node');
          return;
      }
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
        moveTo(run, (node as { next?: string }).next);
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

/**
 * When each customer's best hour of the week next comes (in the workspace's zone, where the habit was measured),
 * for journeys that send at the best time; other batches pay nothing.
 */
async function bestTimeScheduler(tx: TenantTx, defs: JourneyDefinition[], customerIds: number[], now: Date): Promise<(customerId: number) => Date> {
  const used = defs.some((d) => Object.values(d.nodes).some((n) => n.type === 'send' && n.timing === 'best_time'));
  if (!used) return () => now;
  const zone = await workspaceZone(tx);
  const best = await bestSendTimes(tx, [...new Set(customerIds)], now, zone);
  return (customerId) => {
    const b = best.get(customerId);
    return b ? nextHourOfWeek(now, b.hourOfWeek, zone) : now;
  };
}

/** Deterministic A/B/n assignment by run and node: the same run always takes the same branch, even when redone. */
function pickBranch(node: Extract<JourneyNode, { type: 'split' }>, runId: number, nodeId: string) {
  const h = crypto.createHash('sha1').update(`${runId}:${nodeId}`).digest().readUInt32BE(0) / 0x1_0000_0000;
  let acc = 0;
  for (const b of node.branches) {
    acc += b.percent / 100;
    if (h < acc) return b;
  }
  return node.branches[node.branches.length - 1];
}

async function timeZones(tx: TenantTx, ids: number[], fallback: string): Promise<Map<number, string>> {
  const { rows } = await tx.query<{ id: number; tz: string | null }>(`SELECT id, traits->>'timezone' AS tz FROM customers WHERE workspace_id = $1 AND id = ANY($2) AND traits ? 'timezone'`, [tx.workspaceId, ids]);
  return new Map(rows.map((r) => [r.id, r.tz && isValidTimeZone(r.tz) ? r.tz : fallback]));
}

/** Condition nodes test the understanding engine's in-memory store (the same evaluator as segments). */
async function conditionTester(ctx: AppContext, engine: UnderstandingEngine | null, tx: TenantTx, defs: JourneyDefinition[], now: Date) {
  const rules = defs.flatMap((d) => Object.values(d.nodes).flatMap((n) => (n.type === 'condition' ? [n.rule] : [])));
  if (rules.length === 0 || !engine) return () => false;
  const st = await engine.state(tx.workspaceId);
  for (const r of rules) for (const f of references(r).fields) await st.store.ensureField(tx, f);
  const compiled = new Map<string, Compiled>();
  return (journeyId: number, version: number, nodeId: string, rule: Parameters<typeof compile>[0], customerId: number) => {
    const k = `${journeyId}:${version}:${nodeId}`;
    let c = compiled.get(k);
    if (!c) compiled.set(k, (c = compile(rule, st.store, now.getTime())));
    return customerId < st.store.size && c.test(customerId);
  };
}

/** Effects collected while runs advance, written set-based at the end of the batch. */
class Effects {
  sends: { run: Run; key: string; node: Extract<JourneyNode, { type: 'send' | 'webhook' }> }[] = [];
  tag: { tag: string; customerId: number; source: string }[] = [];
  untag: { tag: string; customerId: number; source: string }[] = [];
  attributes: { customerId: number; attribute: string; value: unknown }[] = [];
  tasks: { key: string; customerId: number; title: string; assignee: string | null; source: string; dueAt: Date }[] = [];
  rewards: { run: Run; key: string; node: Extract<JourneyNode, { type: 'points' | 'coupon' }> }[] = [];

  changedCustomers(): number[] {
    return [...new Set([...this.tag, ...this.untag, ...this.attributes].map((x) => x.customerId))];
  }

  async apply(ctx: AppContext, tx: TenantTx, now: Date) {
    const ws = tx.workspaceId;
    if (this.tag.length) {
      await tx.query(
        `INSERT INTO customer_tags (workspace_id, tag_id, customer_id, source, added_at)
         SELECT $1, t.id, u.c, u.s, $2 FROM unnest($3::text[], $4::bigint[], $5::text[]) AS u(k, c, s) JOIN tags t ON t.workspace_id = $1 AND t.key = u.k AND t.deleted_at IS NULL
         ON CONFLICT DO NOTHING`, [ws, now, this.tag.map((t) => t.tag), this.tag.map((t) => t.customerId), this.tag.map((t) => t.source)]);
    }
    if (this.untag.length) {
      await tx.query(
        `DELETE FROM customer_tags ct USING unnest($2::text[], $3::bigint[]) AS u(k, c), tags t
          WHERE ct.workspace_id = $1 AND t.workspace_id = $1 AND t.key = u.k AND ct.tag_id = t.id AND ct.customer_id = u.c`,
        [ws, this.untag.map((t) => t.tag), this.untag.map((t) => t.customerId)]);
    }
    for (const a of this.attributes) {
      await tx.query(`UPDATE customers SET traits = jsonb_set(traits, $3, $4::jsonb), updated_at = $5 WHERE workspace_id = $1 AND id = $2`,
        [ws, a.customerId, [a.attribute], JSON.stringify(a.value), now]);
    }
    if (this.tasks.length) {
      await tx.query(
        `INSERT INTO staff_tasks (workspace_id, idem_key, customer_id, title, assignee, source, due_at, created_at)
         SELECT $1, u.k, u.c, u.t, u.a, u.s, u.d, $2 FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS u(k, c, t, a, s, d)
         ON CONFLICT (workspace_id, idem_key) DO NOTHING`,
        [ws, now, this.tasks.map((t) => t.key), this.tasks.map((t) => t.customerId), this.tasks.map((t) => t.title), this.tasks.map((t) => t.assignee),
         this.tasks.map((t) => t.source), this.tasks.map((t) => t.dueAt)]);
    }
    if (this.rewards.length) {
      const program = await loadProgram(tx);
      for (const { run, key, node } of this.rewards) {
        // A reward the programme refuses (limit reached, stock out) is recorded on the node, not retried forever.
        await tx.query('SAVEPOINT reward');
        try {
          if (node.type === 'points') {
            const entry = await earn(tx, program, run.customer_id, node.points, {
              sourceType: 'journey', sourceId: `${run.journey_id}:${run.node}:${run.id}`, key, expiresAt: expiryFor(program, now), detail: { journey_id: run.journey_id },
            }, now);
            await emitEntries(tx, [entry]);
          } else {
            await issueCoupon(tx, node.templateId, run.customer_id, { sourceType: 'journey', sourceId: `${run.journey_id}:${run.id}`, key }, now);
          }
          await tx.query('RELEASE SAVEPOINT reward');
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT reward');
          if (!(err instanceof AppError)) throw err;
          ctx.log.warn({ run: run.id, node: run.node, reason: err.message }, 'journey reward refused');
        }
      }
    }
  }
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
