// A background loop for leased work (imports, matching runs, journeys, the outbox): every pollMs it calls runOnce
// until that reports nothing left to do. One pass at a time; wake() starts a pass now (or right after the one in
// progress) when the caller knows there is new work; stop() waits for the pass in progress to finish.
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = true;
  private again = false;
  private lastPass = 0;

  /** minWakeGapMs: wake() starts passes at most this often (a burst of ingest must not become a busy loop). */
  constructor(
    private readonly runOnce: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly minWakeGapMs = 0,
  ) {}

  private readonly tick = async () => {
    if (this.stopped || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.busy = true;
    this.again = false;
    this.lastPass = Date.now();
    try {
      while (!this.stopped && (await this.runOnce())) {}
    } catch (err) {
      this.onError(err);
    } finally {
      this.busy = false;
    }
    if (this.stopped) return;
    // Woken during the pass: go again soon (not sooner than the gap); otherwise at the next poll.
    this.timer = setTimeout(this.tick, this.again ? Math.max(0, this.lastPass + this.minWakeGapMs - Date.now()) : this.pollMs);
  };

  /** firstAfterMs: when the first pass runs (at once by default; work that is never urgent can wait a poll). */
  start(firstAfterMs = 0) {
    this.stopped = false;
    this.timer = setTimeout(this.tick, firstAfterMs);
  }

  /** New work arrived: run a pass now instead of at the next poll. */
  wake() {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.tick, Math.max(0, this.lastPass + this.minWakeGapMs - Date.now()));
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
  }
}
