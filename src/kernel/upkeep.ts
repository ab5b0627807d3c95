// Table statistics when nobody else keeps them. PostgreSQL plans every query from the statistics that autovacuum's
// ANALYZE refreshes. Embedded PGlite runs no autovacuum (it is a single-user backend), and a server may have it
// turned off. Either way the planner keeps believing a table is as small as at its last ANALYZE. A million-row outbox
// planned as empty turns a lookup of 500 keys into a read of the whole table (0.5 s where 5 ms would do).
//
// So when no autovacuum launcher runs, this worker analyses each table of our schema once it has grown by a fifth
// since its last ANALYZE. Growth is read from the table's size on disk against the page count ANALYZE recorded, which
// needs no statistics of its own (PGlite does not publish pg_stat modification counters).
import type { AppContext } from './context.ts';
import { Poller } from './poller.ts';

/** Tables smaller than this (in 8 kB pages) are planned well enough from their size alone. */
const MIN_PAGES = 16;
const GROWTH = 1.2;

export class DbUpkeep {
  private readonly poller: Poller;
  /** Tables ANALYZE was refused on (not their owner): said once, then left alone. */
  private readonly refused = new Set<string>();

  /** Every 10 s: the check is one catalogue read, and a table that just took a million rows should not wait long. */
  constructor(private readonly ctx: AppContext, pollMs = 10_000) {
    this.poller = new Poller(async () => (await this.runOnce(), false), pollMs, (err) => ctx.log.error({ err }, 'database upkeep failed'));
  }

  /** Whether the database keeps its own statistics (a server with autovacuum running). */
  async autovacuumRuns(): Promise<boolean> {
    const { rows } = await this.ctx.db.query<{ running: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher') AS running`);
    return rows[0].running;
  }

  /** Analyses the tables that grew past the threshold; returns their names. Nothing while autovacuum runs. */
  async runOnce(opts: { evenWithAutovacuum?: boolean } = {}): Promise<string[]> {
    if (!opts.evenWithAutovacuum && (await this.autovacuumRuns())) return [];
    const { rows } = await this.ctx.db.query<{ name: string; recorded: number; pages: number }>(
      `SELECT c.relname AS name, c.relpages AS recorded, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages
         FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname`);
    const grown = rows.filter((t) => t.pages >= MIN_PAGES && t.pages > Math.max(0, t.recorded) * GROWTH && !this.refused.has(t.name));
    const analysed: string[] = [];
    for (const t of grown) {
      try {
        await this.ctx.db.query(`ANALYZE "${t.name.replaceAll('"', '""')}"`);
        analysed.push(t.name);
      } catch (err) {
        this.refused.add(t.name);
        this.ctx.log.warn({ err, table: t.name }, 'ANALYZE refused; the table keeps its old statistics');
      }
    }
    if (analysed.length) this.ctx.log.info({ tables: analysed }, 'table statistics refreshed');
    return analysed;
  }

  start() {
    this.poller.start(10_000);
  }

  stop() {
    return this.poller.stop();
  }
}
