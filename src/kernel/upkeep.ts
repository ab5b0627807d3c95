// Table upkeep when nobody else does it. PostgreSQL plans every query from the statistics that autovacuum's ANALYZE
// refreshes, and relies on autovacuum's VACUUM to make dead rows' space reusable, to mark pages all-visible (index-only
// scans) and to freeze old rows before transaction ids wrap around (past about two billion transactions the database
// stops accepting writes). Embedded PGlite runs no autovacuum (it is a single-user backend), and a server may have it
// turned off. Without it the planner keeps believing a table is as small as at its last ANALYZE: a million-row outbox
// planned as empty turns a lookup of 500 keys into a read of the whole table (0.5 s where 5 ms would do).
//
// So when no autovacuum launcher runs, this worker vacuums and analyses each table of our schema once it has grown by
// a fifth since it was last seen to, and freezes any table whose oldest unfrozen row is FREEZE_AGE transactions old.
// Growth is read from the table's size on disk against the page count VACUUM/ANALYZE recorded, which needs no
// statistics of its own (PGlite does not publish pg_stat modification counters). Growing by a fifth each time keeps the
// total work proportional to the data: a table vacuumed at 1M rows is next vacuumed at 1.2M.
import type { AppContext } from './context.ts';
import { Poller } from './poller.ts';
import type { Worker } from './module.ts';

/** Tables smaller than this (in 8 kB pages) are planned well enough from their size alone. */
const MIN_PAGES = 16;
const GROWTH = 1.2;
/**
 * Transactions since a table's oldest unfrozen row past which it is frozen regardless of growth: far below the
 * 2^31 limit (a workspace sending 1,000 transactions a second reaches it in a day), so it never comes close.
 */
export const FREEZE_AGE = 100_000_000;

export class DbUpkeep implements Worker {
  readonly name = 'database upkeep';
  private readonly poller: Poller;
  /** Tables ANALYZE was refused on (not their owner): said once, then left alone. */
  private readonly refused = new Set<string>();

  /** Every 10 s: the check is one catalogue read, and a table that just took a million rows should not wait long. */
  constructor(private readonly ctx: AppContext, pollMs = 10_000, private readonly freezeAge = FREEZE_AGE) {
    this.poller = new Poller(async () => (await this.runOnce(), false), pollMs, (err) => ctx.log.error({ err }, 'database upkeep failed'));
  }

  /** Whether the database keeps its own statistics (a server with autovacuum running). */
  async autovacuumRuns(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ running: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher') AS running`);
    return rows[0].running;
  }

  /** Vacuums and analyses the tables that grew past the threshold or hold old rows; returns their names. Nothing while autovacuum runs. */
  async runOnce(opts: { evenWithAutovacuum?: boolean } = {}): Promise<string[]> {
    if (!opts.evenWithAutovacuum && (await this.autovacuumRuns())) return [];
    const { rows } = await this.ctx.db.query<{ name: string; recorded: number; pages: number; xid_age: number }>(
      `SELECT c.relname AS name, c.relpages AS recorded, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages, age(c.relfrozenxid) AS xid_age
         FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname`);
    const due = rows.filter((t) => !this.refused.has(t.name) && ((t.pages >= MIN_PAGES && t.pages > Math.max(0, t.recorded) * GROWTH) || t.xid_age >= this.freezeAge));
    const tended: string[] = [];
    for (const t of due) {
      const name = `"${t.name.replaceAll('"', '""')}"`;
      try {
        // VACUUM runs outside a transaction: one statement on its own, as here.
        await this.ctx.db.query(t.xid_age >= this.freezeAge ? `VACUUM (FREEZE, ANALYZE) ${name}` : `VACUUM (ANALYZE) ${name}`);
        tended.push(t.name);
      } catch (err) {
        this.refused.add(t.name);
        this.ctx.log.warn({ err, table: t.name }, 'VACUUM refused; the table keeps its old statistics');
      }
    }
    if (tended.length) this.ctx.log.info({ tables: tended }, 'tables vacuumed and statistics refreshed');
    return tended;
  }

  start() {
    this.poller.start(10_000);
  }

  stop() {
    return this.poller.stop();
  }
}
