// The one scaffold for background loops over leased work (imports, matching runs, journeys, the outbox, snapshots):
// a subclass says what one pass does; this class runs passes every pollMs until a pass reports nothing left, runs one
// now when woken, never two at once, and on stop waits for the pass in progress (see poller.ts).
import type { Logger } from 'pino';
import type { Worker } from './module.ts';
import { Poller } from './poller.ts';

export interface PollingOptions {
  pollMs: number;
  /** When the first pass runs after start (at once by default; work that is never urgent can wait). */
  firstAfterMs?: number;
  /** wake() starts passes at most this often, so a burst of ingest does not become a busy loop. */
  minWakeGapMs?: number;
}

export abstract class PollingWorker implements Worker {
  private readonly poller: Poller;

  constructor(readonly name: string, log: Logger, private readonly polling: PollingOptions) {
    this.poller = new Poller(() => this.runOnce(), polling.pollMs, (err) => log.error({ err, worker: name }, `${name} pass failed`), polling.minWakeGapMs ?? 0);
  }

  /** One pass; true when there was work (another pass follows at once). */
  abstract runOnce(): Promise<boolean>;

  start(): void {
    this.poller.start(this.polling.firstAfterMs ?? 0);
  }

  wake(): void {
    this.poller.wake();
  }

  stop(): Promise<void> {
    return this.poller.stop();
  }
}
