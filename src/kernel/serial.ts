// One at a time per key, in call order: work on the same thing (a workspace's snapshot, its shared tail tables)
// queues behind what is running instead of interleaving with it. Within this process only.
export class KeyedQueue {
  private readonly last = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.last.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    this.last.set(key, settled);
    // Forget the key once nothing is queued behind this run.
    void settled.then(() => this.last.get(key) === settled && this.last.delete(key));
    return next;
  }
}
