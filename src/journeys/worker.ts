// The journey worker: for each workspace with journeys, consume the event inbox, enter scheduled and date-triggered
// customers once per occurrence, and run due customers forward. Safe to run in several processes at once: the
// inbox has one consumer per workspace at a time, due runs are claimed with SKIP LOCKED, scheduled entries are unique
// per occurrence.
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { PollingWorker } from '../kernel/worker.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { consumeInbox } from './entry.ts';
import { executeDue } from './executor.ts';
import { enterScheduled } from './schedule.ts';

const SCAN_EVERY_MS = 60_000;

export class JourneyWorker extends PollingWorker {
  private lastScan = new Map<string, number>();
  /** Steps executed since start (benchmarks). */
  steps = 0;

  constructor(private readonly ctx: AppContext, private readonly engine: UnderstandingEngine | null, pollMs = 200) {
    // Woken when events are ingested or customers enter segments: journeys react now, not at the next poll.
    super('journeys', ctx.log, { pollMs, minWakeGapMs: 20 });
  }

  async runOnce(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ id: string }>(`SELECT DISTINCT workspace_id AS id FROM journeys WHERE status IN ('live','paused')`);
    let worked = false;
    for (const { id } of rows) worked = (await this.runWorkspace(id)) || worked;
    return worked;
  }

  /** One round for a workspace; true when there was work (there may be more). */
  async runWorkspace(workspaceId: string): Promise<boolean> {
    const now = this.ctx.clock.now();
    const inbox = await withTenant(this.ctx.db, workspaceId, (tx) => consumeInbox(tx, now));
    let entered = 0;
    const last = this.lastScan.get(workspaceId) ?? 0;
    if (now.getTime() - last >= SCAN_EVERY_MS || now.getTime() < last) {
      entered = await enterScheduled(this.ctx, this.engine, workspaceId, now);
      this.lastScan.set(workspaceId, now.getTime());
    }
    const batch = await withTenant(this.ctx.db, workspaceId, (tx) => executeDue(this.ctx, this.engine, tx, now));
    this.steps += batch.steps;
    if (batch.customersChanged.length) this.ctx.changes.customersChanged(workspaceId, batch.customersChanged);
    if (batch.sends > 0) this.ctx.changes.messagesQueued(workspaceId);
    return inbox.events > 0 || entered > 0 || batch.runs > 0;
  }

  /** Runs everything due now until nothing is left (tests with a manual clock). */
  async drain(workspaceId: string, rounds = 1000) {
    this.lastScan.delete(workspaceId);
    for (let i = 0; i < rounds && (await this.runWorkspace(workspaceId)); i++) {}
  }
}
