// A background loop for leased work (imports, matching runs): every pollMs it calls runOnce until that reports
// nothing left to do. One pass at a time; stop() waits for the pass in progress to finish.
export class Poller {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly runOnce: () => Promise<boolean>,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start() {
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      if (!this.busy) {
        this.busy = true;
        try {
          while (!this.stopped && (await this.runOnce())) {}
        } catch (err) {
          this.onError(err);
        } finally {
          this.busy = false;
        }
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.pollMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 20));
  }
}
