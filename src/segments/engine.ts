// The understanding engine: keeps computed traits, rule tags and segments true as customers change and as time
// passes. Changes arrive on the change feed; work for a workspace runs one batch at a time; the scheduler wakes at
// the next moment any customer's time condition or trait window flips and re-evaluates exactly those customers.
import type { AppContext } from '../kernel/context.ts';
import type { Worker } from '../kernel/module.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { packedIds, unpackIds } from '../kernel/packed-ids.ts';
import { computeTrait } from '../traits/compute.ts';
import { Bitset } from './bitset.ts';
import { compile, nextBoundaries } from './evaluate.ts';
import { loadDefinitions, type Definitions, type RuleDef } from './definitions.ts';
import { TimeHeap } from './heap.ts';
import { references, type Rule } from '../rules/rules.ts';
import { CustomerStore } from './store.ts';
import { persistChanges, type Change } from './membership.ts';

const MAX_SLEEP_MS = 60_000;
/** How long a request that changed a definition waits for the recompute before answering with the running job. */
const RECOMPUTE_WAIT_MS = 3_000;

/** A full recompute after a definition changed: what it is doing now, for progress bars. */
export interface RecomputeJob {
  id: number;
  workspaceId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage: 'waiting' | 'traits' | 'rules' | 'saving' | 'finished';
  done: number;
  total: number;
  changes: number;
  error?: string;
  finished: Promise<void>;
}

interface WorkspaceState {
  store: CustomerStore;
  defs: Definitions;
  heap: TimeHeap;
  /** serializes work for the workspace */
  queue: Promise<unknown>;
  pending: Set<number>;
  flushing: boolean;
  /** a recompute waiting its turn: later requests join it, since it will see their definitions too */
  queuedJob: Promise<RecomputeJob> | null;
}

/** A recompute as the API shows it. */
export const jobView = (j: RecomputeJob) => ({
  id: j.id, status: j.status, stage: j.stage, done: j.done, total: j.total, changes: j.changes, ...(j.error ? { error: j.error } : {}),
});

export class UnderstandingEngine implements Worker {
  readonly name = 'understanding engine';
  /** Hears this process's customer changes from the moment the platform exists. */
  readonly live = true;
  private readonly states = new Map<string, Promise<WorkspaceState>>();
  private readonly jobs = new Map<number, RecomputeJob>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly ctx: AppContext) {}

  start() {
    this.ctx.changes.onCustomers(({ workspaceId, customerIds, remote }) => {
      // Another process's change to a workspace this one has not loaded: loading reads it from the database anyway.
      if (remote && !this.states.has(workspaceId)) return;
      this.enqueue(workspaceId, customerIds);
    });
    this.ctx.changes.onDefinitions(({ workspaceId, reason, remote }) => {
      if (!remote || !this.states.has(workspaceId)) return;
      this.recompute(workspaceId, `${reason} (in another process)`, true).catch((err) => this.ctx.log.error({ err }, 'segment engine recompute failed'));
    });
    this.arm();
  }

  /** Stops taking work and waits for what is in flight (the database is closed next). */
  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.states.values()].map((s) => s.then((st) => st.queue, () => undefined).catch(() => undefined)));
  }

  /**
   * Definition changes recompute everyone in the background. A request waits a few seconds — long enough for most
   * workspaces, so its answer already has the new sizes — and otherwise answers with the running job.
   */
  async recomputeWithin(workspaceId: string, reason: string, waitMs = RECOMPUTE_WAIT_MS) {
    const job = await this.recompute(workspaceId, reason);
    await Promise.race([job.finished, new Promise((r) => setTimeout(r, waitMs).unref())]);
    return jobView(job);
  }

  /** Waits until every queued change has been applied (tests, benchmarks). */
  async idle(workspaceId: string) {
    const st = await this.state(workspaceId);
    while ((st.pending.size > 0 || st.flushing) && !this.stopped) {
      await st.queue;
      await new Promise((r) => setImmediate(r));
    }
    await st.queue;
  }

  state(workspaceId: string): Promise<WorkspaceState> {
    let s = this.states.get(workspaceId);
    if (!s) {
      s = this.load(workspaceId);
      this.states.set(workspaceId, s);
      s.catch(() => this.states.delete(workspaceId));
    }
    return s;
  }

  private async load(workspaceId: string): Promise<WorkspaceState> {
    const store = new CustomerStore(workspaceId);
    const defs = await withTenant(this.ctx.db, workspaceId, async (tx) => {
      const d = await loadDefinitions(tx);
      await store.load(tx);
      await this.loadAttributes(tx, store, d);
      await this.loadTraitColumns(tx, store, d, null);
      await this.loadPredictionColumns(tx, store);
      await this.loadMemberships(tx, store, d);
      return d;
    });
    const st: WorkspaceState = { store, defs, heap: new TimeHeap(), queue: Promise.resolve(), pending: new Set(), flushing: false, queuedJob: null };
    this.scheduleAll(st);
    return st;
  }

  private async loadAttributes(tx: TenantTx, store: CustomerStore, defs: Definitions) {
    for (const d of defs.ordered) for (const f of references(d.rule).fields) await store.ensureField(tx, f);
  }

  private async loadTraitColumns(tx: TenantTx, store: CustomerStore, defs: Definitions, ids: number[] | null) {
    for (const t of defs.traits) {
      const field = `computed.${t.key}`;
      const zero = ['count', 'sum', 'distinct_count'].includes(t.definition.aggregate) ? 0 : null;
      if (!ids) {
        // Customers without a stored value hold the aggregate's empty value (0 for counts and sums).
        for (let id = 0; id < store.size; id++) t.value_type === 'string' ? store.setString(field, id, null) : store.setNumber(field, id, zero);
      }
      const { rows } = await tx.query<{ customer_id: number; num: number | null; txt: string | null }>(
        `SELECT customer_id, num, txt FROM trait_values WHERE workspace_id = $1 AND trait_id = $2 ${ids ? 'AND customer_id = ANY($3)' : ''}`,
        ids ? [tx.workspaceId, t.id, ids] : [tx.workspaceId, t.id],
      );
      store.ensure(rows.reduce((m, r) => Math.max(m, r.customer_id), 0) + 1);
      for (const r of rows) t.value_type === 'string' ? store.setString(field, r.customer_id, r.txt) : store.setNumber(field, r.customer_id, r.num);
    }
  }

  /**
   * Reads memberships from the database. At load everything; afterwards only tags written outside the engine
   * (manual, imported, model) — rule tags and segments are maintained in memory and persisted as they change.
   */
  /** Predicted values (CLV model) as numeric columns; customers without a prediction read as empty. */
  private async loadPredictionColumns(tx: TenantTx, store: CustomerStore) {
    const { rows } = await tx.query<{ customer_id: number; p_alive: number; expected_90d: number; clv: number; churn_risk: number; value_score: number }>(
      `SELECT customer_id, p_alive, expected_90d, clv, churn_risk, value_score FROM predictions WHERE workspace_id = $1 AND model = 'clv'`, [tx.workspaceId]);
    for (const f of ['p_alive', 'expected_90d', 'clv', 'churn_risk', 'value_score'] as const) {
      const col = new Float64Array(store.size).fill(NaN);
      for (const r of rows) if (r.customer_id < store.size) col[r.customer_id] = r[f];
      store.num.set(`prediction.${f}`, col);
    }
  }

  private async loadMemberships(tx: TenantTx, store: CustomerStore, defs: Definitions, onlyExternal = false) {
    const tagFilter = onlyExternal ? `AND t.kind <> 'rule'` : '';
    const tagRows = (await tx.query<{ key: string; ids: Uint8Array }>(
      `SELECT t.key, ${packedIds('ct.customer_id')} AS ids
         FROM tags t LEFT JOIN customer_tags ct ON ct.workspace_id = t.workspace_id AND ct.tag_id = t.id
        WHERE t.workspace_id = $1 AND t.deleted_at IS NULL ${tagFilter} GROUP BY t.key`, [tx.workspaceId])).rows;
    for (const r of tagRows) store.tags.set(r.key, Bitset.from(store.size, unpackIds(r.ids)));
    // Definitions that no longer exist take their members with them.
    const live = new Set(defs.ordered.map((d) => `${d.kind}:${d.key}`));
    for (const k of [...store.segments.keys()]) if (!live.has(`segment:${k}`)) store.segments.delete(k);
    for (const k of [...store.tags.keys()]) if (!tagRows.some((r) => r.key === k) && !live.has(`tag:${k}`)) store.tags.delete(k);
    if (onlyExternal) return;
    const segRows = (await tx.query<{ key: string; ids: Uint8Array }>(
      `SELECT s.key, ${packedIds('m.customer_id')} AS ids
         FROM segments s LEFT JOIN segment_members m ON m.workspace_id = s.workspace_id AND m.segment_id = s.id
        WHERE s.workspace_id = $1 AND s.deleted_at IS NULL GROUP BY s.key`, [tx.workspaceId])).rows;
    for (const r of segRows) store.segments.set(r.key, Bitset.from(store.size, unpackIds(r.ids)));
  }

  enqueue(workspaceId: string, ids: number[]) {
    if (this.stopped || ids.length === 0) return;
    this.state(workspaceId).then((st) => {
      if (this.stopped) return;
      for (const id of ids) st.pending.add(id);
      if (!st.flushing) {
        st.flushing = true;
        st.queue = st.queue.then(() => this.flush(workspaceId, st)).catch((err) => this.ctx.log.error({ err }, 'segment engine failed'));
      }
    }, (err) => this.ctx.log.error({ err }, 'segment engine could not load workspace'));
  }

  private async flush(workspaceId: string, st: WorkspaceState) {
    try {
      while (st.pending.size > 0) {
        const ids = [...st.pending].slice(0, 5000);
        for (const id of ids) st.pending.delete(id);
        await this.process(workspaceId, st, ids);
      }
    } finally {
      st.flushing = false;
    }
  }

  /** Brings traits, rule tags and segments up to date for these customers. */
  private async process(workspaceId: string, st: WorkspaceState, ids: number[]) {
    const now = this.ctx.clock.now();
    const t0 = performance.now();
    const stages: Record<string, number> = {};
    const mark = (k: string) => (stages[k] = Math.round((performance.now() - t0) * 10) / 10);
    const changes = await withTenant(this.ctx.db, workspaceId, async (tx) => {
      for (const t of st.defs.traits) await computeTrait(tx, t, ids, now);
      mark('traits');
      await st.store.refresh(tx, ids);
      await this.loadTraitColumns(tx, st.store, st.defs, ids);
      mark('refresh');
      const out: Change[] = [];
      for (const def of st.defs.ordered) {
        const c = compile(def.rule, st.store, now.getTime());
        const bits = this.bits(st, def);
        for (const id of ids) {
          const want = st.store.live.has(id) && c.test(id);
          if (want !== bits.has(id)) {
            out.push({ def, customerId: id, change: want ? 'entered' : 'exited' });
            want ? bits.add(id) : bits.delete(id);
          }
        }
      }
      mark('evaluate');
      const changed = new Set(out.map((c) => c.def));
      await persistChanges(tx, out, now, new Map([...changed].map((d) => [d, this.bits(st, d).count()])));
      mark('persist');
      return out;
    });
    mark('commit');
    this.ctx.log.debug({ workspaceId, customers: ids.length, changes: changes.length, ms: stages }, 'segment engine batch');
    this.announce(workspaceId, changes, now);
    this.schedule(st, ids, now.getTime());
    this.arm();
  }

  private bits(st: WorkspaceState, def: RuleDef): Bitset {
    const map = def.kind === 'tag' ? st.store.tags : st.store.segments;
    let b = map.get(def.key);
    if (!b || b.size < st.store.size) {
      b = (b ?? new Bitset(st.store.size)).grown(st.store.size);
      map.set(def.key, b);
    }
    return b;
  }

  /** After a definition changed: recompute traits and every rule for everyone, and wait for it. */
  async recomputeAll(workspaceId: string, reason = 'definitions changed'): Promise<void> {
    const job = await this.recompute(workspaceId, reason);
    await job.finished;
    if (job.status === 'failed') throw new Error(`recompute failed: ${job.error}`);
  }

  /**
   * Requests a full recompute in the background (traits, then every rule tag and segment, recording entries and
   * exits). A request made while another waits its turn joins that one: it will read the newest definitions.
   */
  async recompute(workspaceId: string, reason: string, heardFromAnotherProcess = false): Promise<RecomputeJob> {
    // Other processes' engines hold their own copy of the definitions and model tags: they recompute too.
    if (!heardFromAnotherProcess) this.ctx.changes.definitionsChanged(workspaceId, reason);
    const st = await this.state(workspaceId);
    // Set before the first await, so requests arriving together share one job.
    st.queuedJob ??= this.queueJob(workspaceId, st, reason);
    return st.queuedJob;
  }

  private async queueJob(workspaceId: string, st: WorkspaceState, reason: string): Promise<RecomputeJob> {
    const { rows } = await withTenant(this.ctx.db, workspaceId, (tx) => tx.query<{ id: number }>(
      `INSERT INTO recompute_jobs (workspace_id, reason, status, requested_at) VALUES ($1, $2, 'queued', $3) RETURNING id`, [workspaceId, reason, this.ctx.clock.now()]));
    let done!: () => void;
    const job: RecomputeJob = { id: Number(rows[0].id), workspaceId, status: 'queued', stage: 'waiting', done: 0, total: 0, changes: 0, finished: new Promise((r) => (done = r)) };
    this.jobs.set(job.id, job);
    st.queue = st.queue.then(async () => {
      st.queuedJob = null;
      try {
        await this.runRecompute(workspaceId, st, job);
      } catch (err: any) {
        job.status = 'failed';
        job.error = String(err?.message ?? err);
        this.ctx.log.error({ err, workspaceId, job: job.id }, 'recompute failed');
        await this.finishJob(job).catch(() => {});
      } finally {
        done();
        // Keep finished jobs around briefly for anyone polling.
        setTimeout(() => this.jobs.delete(job.id), 10 * 60_000).unref();
      }
    });
    return job;
  }

  /** A job run by this process (with live progress), or null. */
  job(id: number): RecomputeJob | null {
    return this.jobs.get(id) ?? null;
  }

  private async finishJob(job: RecomputeJob) {
    await withTenant(this.ctx.db, job.workspaceId, (tx) => tx.query(
      `UPDATE recompute_jobs SET status = $2, changes = $3, error = $4, started_at = COALESCE(started_at, $5), finished_at = $5 WHERE workspace_id = $1 AND id = $6`,
      [job.workspaceId, job.status, job.changes, job.error ?? null, this.ctx.clock.now(), job.id]));
  }

  private async runRecompute(workspaceId: string, st: WorkspaceState, job: RecomputeJob) {
    const now = this.ctx.clock.now();
    job.status = 'running';
    await withTenant(this.ctx.db, workspaceId, (tx) => tx.query(`UPDATE recompute_jobs SET status = 'running', started_at = $3 WHERE workspace_id = $1 AND id = $2`, [workspaceId, job.id, now]));
    const changes = await withTenant(this.ctx.db, workspaceId, async (tx) => {
      // The store's rows are already current (kept up to date change by change); definitions, trait values and
      // memberships are what a definition change or a model run alters.
      st.defs = await loadDefinitions(tx);
      await this.loadAttributes(tx, st.store, st.defs);
      Object.assign(job, { stage: 'traits', done: 0, total: st.defs.traits.length });
      for (const t of st.defs.traits) {
        await computeTrait(tx, t, null, now);
        job.done++;
      }
      await this.loadTraitColumns(tx, st.store, st.defs, null);
      await this.loadPredictionColumns(tx, st.store);
      await this.loadMemberships(tx, st.store, st.defs, true);
      Object.assign(job, { stage: 'rules', done: 0, total: st.defs.ordered.length });
      const out: Change[] = [];
      for (const def of st.defs.ordered) {
        const before = this.bits(st, def);
        const after = compile(def.rule, st.store, now.getTime()).filter(st.store.live);
        for (const id of after.andNot(before).ids()) out.push({ def, customerId: id, change: 'entered' });
        for (const id of before.andNot(after).ids()) out.push({ def, customerId: id, change: 'exited' });
        (def.kind === 'tag' ? st.store.tags : st.store.segments).set(def.key, after);
        job.done++;
      }
      Object.assign(job, { stage: 'saving', done: 0, total: out.length });
      const sizes = new Map(st.defs.ordered.map((d) => [d, this.bits(st, d).count()]));
      await persistChanges(tx, out, now, sizes, (n) => (job.done = n));
      return out;
    });
    Object.assign(job, { status: 'done', stage: 'finished', changes: changes.length });
    await this.finishJob(job);
    this.announce(workspaceId, changes, now);
    this.scheduleAll(st);
    this.arm();
  }

  /** Audience size and a sample for a rule that is being edited (nothing is stored). */
  async preview(workspaceId: string, rule: Rule, sample = 20) {
    const st = await this.state(workspaceId);
    // A count while typing: no database round trip unless the rule names an attribute not loaded yet.
    const missing = [...references(rule).fields].filter((f) => st.store.needsLoading(f));
    if (missing.length) {
      await withTenant(this.ctx.db, workspaceId, async (tx) => {
        for (const f of missing) await st.store.ensureField(tx, f);
      });
    }
    const started = performance.now();
    const members = compile(rule, st.store, this.ctx.clock.now().getTime()).filter(st.store.live);
    const count = members.count();
    const ms = performance.now() - started;
    const ids: number[] = [];
    for (const id of members.ids()) {
      if (ids.length >= sample) break;
      ids.push(id);
    }
    return { count, total: st.store.live.count(), sampleIds: ids, ms: Math.round(ms * 100) / 100 };
  }

  /**
   * The workspace's customer columns with every change received so far applied: layer models read order facts
   * here rather than rescanning the customers table. Read-only for callers.
   */
  async columns(workspaceId: string): Promise<CustomerStore> {
    await this.idle(workspaceId);
    return (await this.state(workspaceId)).store;
  }

  async members(workspaceId: string, kind: 'tag' | 'segment', key: string): Promise<Bitset> {
    const st = await this.state(workspaceId);
    return (kind === 'tag' ? st.store.tags : st.store.segments).get(key) ?? new Bitset(0);
  }

  /** Runs everything that is due now (the timer calls this; tests with a manual clock call it directly). */
  async tick(workspaceId?: string) {
    const now = this.ctx.clock.now();
    const targets = workspaceId ? [workspaceId] : [...this.states.keys()];
    for (const ws of targets) {
      const st = await this.state(ws);
      const due = new Set(st.heap.popDue(now.getTime()));
      const windows = await withTenant(this.ctx.db, ws, (tx) =>
        tx.query<{ customer_id: number }>(`SELECT customer_id FROM trait_values WHERE workspace_id = $1 AND next_change_at <= $2`, [ws, now]),
      );
      for (const r of windows.rows) due.add(r.customer_id);
      if (due.size > 0) {
        for (const id of due) st.pending.add(id);
        if (!st.flushing) {
          st.flushing = true;
          st.queue = st.queue.then(() => this.flush(ws, st));
        }
        await st.queue;
      }
    }
    this.arm();
  }

  /** Queues each customer at the next instant one of the rules may flip for them (rules compiled once per batch). */
  private schedule(st: WorkspaceState, ids: number[], now: number) {
    const compiled = st.defs.ordered.map((d) => compile(d.rule, st.store, now));
    const out: number[] = [];
    for (const id of ids) {
      out.length = 0;
      for (const c of compiled) c.boundaries(id, out);
      if (out.length) st.heap.push(Math.min(...out), id);
    }
  }

  private scheduleAll(st: WorkspaceState) {
    st.heap.clear();
    const next = nextBoundaries(st.defs.ordered.map((d) => d.rule), st.store, this.ctx.clock.now().getTime());
    for (const id of st.store.live.ids()) if (next[id] !== Infinity) st.heap.push(next[id], id);
  }

  /** Sets the timer for the earliest boundary across workspaces, and at least once a minute. */
  private arm() {
    if (this.stopped) return;
    Promise.all([...this.states.values()].map((s) => s.then((st) => st.heap.peek() ?? Infinity, () => Infinity))).then((peeks) => {
      if (this.stopped) return;
      if (this.timer) clearTimeout(this.timer);
      const delay = Math.max(0, Math.min(MAX_SLEEP_MS, Math.min(...peeks) - this.ctx.clock.now().getTime()));
      this.timer = setTimeout(() => this.tick().catch((err) => this.ctx.log.error({ err }, 'scheduler tick failed')), delay);
      this.timer.unref();
    });
  }

  private announce(workspaceId: string, changes: Change[], at: Date) {
    for (const c of changes) this.ctx.changes.membership({ workspaceId, kind: c.def.kind, key: c.def.key, customerId: c.customerId, change: c.change, at });
  }
}
