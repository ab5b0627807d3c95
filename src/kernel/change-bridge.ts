// Carries customer and definition changes between processes on one PostgreSQL server, so several API and worker
// processes can serve a workspace: each runs an understanding engine with its own in-memory copy of the customers,
// definitions and model tags, and each must hear every change, not only those made through itself. A change is sent
// with NOTIFY after the transaction that made it commits, so a listener that reads the customers sees the change.
// Each process ignores what it sent.
//
// NOTIFY is per database and the channel names the schema, so test schemas side by side never hear each other.
import crypto from 'node:crypto';
import type { Db } from './db.ts';
import type { ChangeFeed, CustomersChanged, DefinitionsChanged } from './changes.ts';

/**
 * NOTIFY payloads must stay under 8,000 bytes: 400 ids of at most 16 digits (below 2^53) and their commas are
 * 6,800 characters, with room for the rest of the notice.
 */
const IDS_PER_NOTICE = 400;

type Notice =
  // o: the sending process, w: the workspace; then customer ids, or the reason definitions changed
  | { o: string; w: string; i: number[] }
  | { o: string; w: string; d: string };

export class ChangeBridge {
  private readonly origin = crypto.randomUUID();
  private readonly channel: string;
  private unlisten: (() => Promise<void>) | null = null;
  /** Notices on their way: stop() waits for them, so a change made just before a process stops is not lost. */
  private readonly sending = new Set<Promise<void>>();
  private readonly forward = (c: CustomersChanged) => {
    if (!c.remote) this.track(this.send(c.workspaceId, c.customerIds));
  };
  private readonly forwardDefinitions = (c: DefinitionsChanged) => {
    if (!c.remote) this.track(this.notify({ o: this.origin, w: c.workspaceId, d: c.reason.slice(0, 500) }));
  };

  constructor(private readonly db: Db, private readonly feed: ChangeFeed, schema: string | undefined, private readonly onError: (err: unknown) => void) {
    this.channel = schema ? `siyu_changes_${schema}` : 'siyu_changes';
  }

  /** Starts carrying changes; false where there is no server (PGlite), and nothing to carry them to. */
  async start(): Promise<boolean> {
    if (!this.db.listen) return false;
    this.unlisten = await this.db.listen(this.channel, (payload) => this.receive(payload), this.onError);
    this.feed.onCustomers(this.forward);
    this.feed.onDefinitions(this.forwardDefinitions);
    return true;
  }

  /** Stops carrying changes once those already announced are sent; the database must stay open until then. */
  async stop() {
    this.feed.off('customers', this.forward);
    this.feed.off('definitions', this.forwardDefinitions);
    await Promise.all(this.sending);
    await this.unlisten?.();
    this.unlisten = null;
  }

  private track(sent: Promise<void>) {
    const p = sent.catch((err) => this.onError(err)).finally(() => this.sending.delete(p));
    this.sending.add(p);
  }

  private async send(workspaceId: string, ids: number[]) {
    for (let k = 0; k < ids.length; k += IDS_PER_NOTICE) await this.notify({ o: this.origin, w: workspaceId, i: ids.slice(k, k + IDS_PER_NOTICE) });
  }

  private async notify(notice: Notice) {
    await this.db.query(`SELECT pg_notify($1, $2)`, [this.channel, JSON.stringify(notice)]);
  }

  private receive(payload: string) {
    let notice: Notice;
    try {
      notice = JSON.parse(payload);
    } catch (err) {
      return this.onError(err);
    }
    if (notice.o === this.origin) return;
    if ('i' in notice) this.feed.customersChanged(notice.w, notice.i, true);
    else this.feed.definitionsChanged(notice.w, notice.d, true);
  }
}
