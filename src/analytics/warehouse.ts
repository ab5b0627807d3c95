// The read side of analytics: a DuckDB session that sees one workspace's data as a few views over its Parquet
// snapshots plus the rows written since (kept in shared in-memory tables, topped up from PostgreSQL at query time),
// so a count includes what arrived a second ago. Events and orders are attributed to the surviving profile of
// merges; a refund lowers its order's net amount.
//
//   ev    (event_id, cid, type, event, ts, channel_code, properties)     events, cid = surviving customer
//   ord   (order_pk, order_id, cid, kind, amount, refunded, net, channel, store, country, staff, placed_at, items, order_index)
//   ord_net (order_pk, cid, kind, amount, refunded, net, channel, store, country, staff, placed_at)
//                                                the same orders without order_index and items
//   ref   (refund_pk, order_pk, cid, amount, refunded_at)
//   ppl   (cid, known, source_channel, first_seen_at, is_member)        one row per surviving customer
//   act   (cid, ts, event, properties, amount)   events and orders together (orders as 'order_completed')
//   act_slim (cid, ts, event)                   the same without properties: for questions that read none
//   act_rec  (customer_id, ts, event)           act_slim by the profile the row was recorded on (merges not followed)
import path from 'node:path';
import fs from 'node:fs';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { KeyedQueue } from '../kernel/serial.ts';
import { literal, withDuck, type DuckSession } from './duck.ts';
import { analyticsDir, liveParts, snapshotWorkspace, watermarks } from './snapshots.ts';
import { ndjsonLine, readJsonSql, SOURCES, type Source } from './sources.ts';

/** Past this many recent rows a query first exports them to Parquet rather than reading them live. */
const TAIL_LIMIT = 200_000;

interface TailState {
  /** rows (after, upto] of the source are in the shared table */
  after: number;
  upto: number;
}
const tails = new Map<string, TailState>();
/** Tail maintenance, one workspace at a time. */
const tailQueue = new KeyedQueue();

const tableName = (workspaceId: string, source: string) => `tail_${source}_${workspaceId.replace(/[^A-Za-z0-9]/g, '_')}`;
const typedColumns = (s: Source) => Object.entries(s.columns).map(([k, t]) => `${k} ${t}`).join(', ');

/** Fills `table` (created if missing) so it holds exactly the source's rows in (after, upto]. */
async function syncTail(ctx: AppContext, d: DuckSession, workspaceId: string, source: Source, after: number, upto: number) {
  const table = tableName(workspaceId, source.name);
  const key = `${workspaceId}:${source.name}`;
  await d.run(`CREATE TABLE IF NOT EXISTS ${table} (${typedColumns(source)})`);
  let st = tails.get(key);
  if (!st) {
    await d.run(`DELETE FROM ${table}`);
    st = { after, upto: after };
  }
  if (after > st.after) {
    await d.run(`DELETE FROM ${table} WHERE id <= ${Number(after)}`);
    st = { after, upto: Math.max(st.upto, after) };
  }
  if (upto > st.upto) {
    const file = path.join(analyticsDir(ctx, workspaceId), `tail-${source.name}-${process.pid}.ndjson`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let from = st.upto;
    for (;;) {
      const rows = await withTenant(ctx.db, workspaceId, (tx) => source.read(tx, workspaceId, from, upto, 50_000));
      if (rows.length === 0) break;
      fs.writeFileSync(file, `${rows.map(ndjsonLine).join('\n')}\n`);
      await d.run(`INSERT INTO ${table} ${readJsonSql(source, file)}`);
      from = Number(rows[rows.length - 1].id);
      if (rows.length < 50_000) break;
    }
    fs.rmSync(file, { force: true });
    st = { after: st.after, upto };
  }
  tails.set(key, st);
}

/** Opens the workspace's views in a DuckDB session. */
async function openWarehouse(ctx: AppContext, d: DuckSession, workspaceId: string): Promise<void> {
  const dir = analyticsDir(ctx, workspaceId);
  let info = await readState(ctx, workspaceId);
  if (info.tailRows > TAIL_LIMIT) {
    // A bulk load since the last snapshot: copy it to Parquet now instead of reading it live.
    await snapshotWorkspace(ctx, workspaceId, { settle: true });
    info = await readState(ctx, workspaceId);
  }
  await tailQueue.run(workspaceId, async () => {
    for (const s of ['events', 'orders', 'refunds'] as const) await syncTail(ctx, d, workspaceId, SOURCES[s], info.marks[s] ?? 0, info.max[s]);
  });
  const files = (source: string) => info.parts.filter((p) => p.source === source).map((p) => literal(path.join(dir, p.file)));
  const union = (source: 'events' | 'orders' | 'refunds') => {
    const f = files(source);
    const tail = `SELECT * FROM ${tableName(workspaceId, source)} WHERE id > ${Number(info.marks[source] ?? 0)}`;
    return f.length ? `SELECT * FROM read_parquet([${f.join(', ')}]) UNION ALL ${tail}` : tail;
  };
  // Customers: the last full copy, with newer and re-merged profiles read live.
  await d.run(`CREATE TEMP TABLE cust_live (${typedColumns(SOURCES.customers)})`);
  if (info.recentCustomers.length) {
    const file = path.join(dir, `tail-customers-${process.pid}-${Date.now()}.ndjson`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `${info.recentCustomers.map(ndjsonLine).join('\n')}\n`);
    await d.run(`INSERT INTO cust_live ${readJsonSql(SOURCES.customers, file)}`);
    fs.rmSync(file, { force: true });
  }
  const cf = files('customers');
  const customers = cf.length
    ? `SELECT * FROM read_parquet([${cf.join(', ')}]) WHERE id NOT IN (SELECT id FROM cust_live) UNION ALL SELECT * FROM cust_live`
    : `SELECT * FROM cust_live`;
  // Materialised once per session: every view joins it, often several times in one question.
  await d.run(`CREATE TEMP TABLE cust AS ${customers}`);
  await d.run(`CREATE TEMP VIEW ppl AS
    SELECT canonical_id AS cid, bool_or(NOT is_anonymous) AS known, arg_min(source_channel, id) FILTER (WHERE source_channel IS NOT NULL) AS source_channel,
           min(first_seen_at) AS first_seen_at, bool_or(is_member) AS is_member
      FROM cust GROUP BY canonical_id`);
  await d.run(`CREATE TEMP VIEW ev AS
    SELECT e.id AS event_id, c.canonical_id AS cid, e.type, e.event, e.ts, e.channel_code, e.properties
      FROM (${union('events')}) e JOIN cust c ON c.id = e.customer_id`);
  await d.run(`CREATE TEMP VIEW ref AS
    SELECT r.id AS refund_pk, r.order_pk, r.amount, r.refunded_at FROM (${union('refunds')}) r`);
  await d.run(`CREATE TEMP VIEW ord AS
    WITH o AS (SELECT * FROM (${union('orders')}) x),
         refunded AS (SELECT order_pk, sum(amount) AS refunded FROM ref GROUP BY order_pk)
    SELECT o.id AS order_pk, o.order_id, c.canonical_id AS cid, o.kind, o.amount, coalesce(r.refunded, 0) AS refunded,
           CASE WHEN o.kind = 'sale' THEN o.amount - coalesce(r.refunded, 0) ELSE -o.amount END AS net,
           o.channel, o.store, o.country, o.staff, o.placed_at, o.items,
           CASE WHEN o.kind = 'sale' AND c.canonical_id IS NOT NULL
                THEN row_number() OVER (PARTITION BY c.canonical_id, o.kind ORDER BY o.placed_at, o.id) END AS order_index
      FROM o LEFT JOIN cust c ON c.id = o.customer_id LEFT JOIN refunded r ON r.order_pk = o.id`);
  // Orders without their number per customer (a window over every order) nor items: most questions need neither.
  await d.run(`CREATE TEMP VIEW ord_net AS
    WITH refunded AS (SELECT order_pk, sum(amount) AS refunded FROM ref GROUP BY order_pk)
    SELECT o.id AS order_pk, c.canonical_id AS cid, o.kind, o.amount, coalesce(r.refunded, 0) AS refunded,
           CASE WHEN o.kind = 'sale' THEN o.amount - coalesce(r.refunded, 0) ELSE -o.amount END AS net, o.channel, o.store, o.country, o.staff, o.placed_at
      FROM (${union('orders')}) o LEFT JOIN cust c ON c.id = o.customer_id LEFT JOIN refunded r ON r.order_pk = o.id`);
  await d.run(`CREATE TEMP VIEW act AS
    SELECT cid, ts, event, properties, NULL::BIGINT AS amount FROM ev WHERE type IN ('track', 'page', 'screen')
    UNION ALL
    SELECT cid, placed_at, 'order_completed', json_object('order_id', order_id, 'channel', channel, 'store', store, 'order_index', order_index, 'amount', amount)::VARCHAR, net
      FROM ord WHERE kind = 'sale' AND cid IS NOT NULL`);
  // Without properties there is no order number to compute nor JSON to build: the cheap form for most questions.
  // act_rec is by the profile each row was recorded on, before following merges: for counts per customer over many
  // rows, which are cheaper counted first and joined to `cust` after (a million counts join, not every event).
  await d.run(`CREATE TEMP VIEW act_rec AS
    SELECT customer_id, ts, event FROM (${union('events')}) e WHERE type IN ('track', 'page', 'screen')
    UNION ALL
    SELECT customer_id, placed_at, 'order_completed' FROM (${union('orders')}) o WHERE kind = 'sale' AND customer_id IS NOT NULL`);
  await d.run(`CREATE TEMP VIEW act_slim AS SELECT c.canonical_id AS cid, a.ts, a.event FROM act_rec a JOIN cust c ON c.id = a.customer_id`);
}

/**
 * Replaces a view by a table of its rows (those matching `where`) for the rest of the session: a session that asks
 * many questions of the same rows (the overview's nine metrics) reads and joins them once instead of per question.
 * Only for sessions whose later questions stay inside `where`.
 */
export async function materialize(d: DuckSession, view: 'ppl' | 'ord' | 'ord_net', where = 'TRUE') {
  await d.run(`CREATE TEMP TABLE ${view}_rows AS SELECT * FROM ${view} WHERE ${where}`);
  await d.run(`DROP VIEW ${view}`);
  await d.run(`CREATE TEMP VIEW ${view} AS SELECT * FROM ${view}_rows`);
}

async function readState(ctx: AppContext, workspaceId: string) {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const parts = await liveParts(tx);
    const marks = await watermarks(tx);
    const { rows } = await tx.query<{ events: number; orders: number; refunds: number }>(
      `SELECT (SELECT COALESCE(max(id), 0) FROM events WHERE workspace_id = $1) AS events, (SELECT COALESCE(max(id), 0) FROM orders WHERE workspace_id = $1) AS orders,
              (SELECT COALESCE(max(id), 0) FROM refunds WHERE workspace_id = $1) AS refunds`, [workspaceId]);
    const max = { events: Number(rows[0].events), orders: Number(rows[0].orders), refunds: Number(rows[0].refunds) };
    const snap = parts.find((p) => p.source === 'customers');
    // Profiles newer than the copy, and profiles merged or unmerged since it was taken: the ids first, each part by
    // an index (an OR of the two in one WHERE reads the whole customers table).
    const recent = await tx.query<Record<string, unknown>>(
      `WITH ids AS (SELECT id FROM customers WHERE workspace_id = $1 AND id > $2
                    UNION SELECT unnest(ARRAY[winner_id, loser_id]) FROM merges WHERE workspace_id = $1 AND (created_at > $3 OR undone_at > $3))
       SELECT c.id, c.canonical_id, c.is_anonymous, c.source_channel, c.first_seen_at,
              EXISTS (SELECT 1 FROM points_accounts a WHERE a.workspace_id = c.workspace_id AND a.customer_id = c.id) AS is_member
         FROM ids JOIN customers c ON c.workspace_id = $1 AND c.id = ids.id`,
      [workspaceId, snap ? Number(snap.last_id) : 0, snap?.created_at ?? new Date(0)]);
    const tailRows = (['events', 'orders', 'refunds'] as const).reduce((s, k) => s + Math.max(0, max[k] - (marks[k] ?? 0)), 0);
    return { parts, marks, max, recentCustomers: recent.rows, tailRows };
  });
}

/**
 * What analytics would read, as a short string: the newest ids of each source, the newest profile and merge, the
 * customers copy — and the memberships a filter or breakdown reads. Equal strings mean equal answers.
 */
export async function dataVersion(ctx: AppContext, workspaceId: string, extras: { segments?: string[]; tags?: string[] } = {}): Promise<string> {
  return withTenant(ctx.db, workspaceId, async (tx) => {
    const { rows } = await tx.query<{ v: string }>(
      `SELECT concat_ws(':', (SELECT COALESCE(max(id), 0) FROM events WHERE workspace_id = $1), (SELECT COALESCE(max(id), 0) FROM orders WHERE workspace_id = $1),
              (SELECT COALESCE(max(id), 0) FROM refunds WHERE workspace_id = $1), (SELECT COALESCE(max(id), 0) FROM customers WHERE workspace_id = $1),
              (SELECT extract(epoch FROM max(greatest(created_at, undone_at))) FROM merges WHERE workspace_id = $1),
              (SELECT max(id) FROM analytics_parts WHERE workspace_id = $1),
              (SELECT string_agg(key || '@' || extract(epoch FROM refreshed_at) || '#' || size, ',') FROM segments WHERE workspace_id = $1 AND key = ANY($2)),
              (SELECT string_agg(key || '@' || extract(epoch FROM refreshed_at) || '#' || coverage, ',') FROM tags WHERE workspace_id = $1 AND key = ANY($3)),
              (SELECT count(*) FROM points_accounts WHERE workspace_id = $1),
              (SELECT max(id) FROM outbox WHERE workspace_id = $1), (SELECT max(id) FROM journey_runs WHERE workspace_id = $1)) AS v`,
      [workspaceId, extras.segments ?? [], extras.tags ?? []]);
    return rows[0].v;
  });
}

/** Runs fn against the workspace's views (a fresh DuckDB connection, interrupted past limitMs). */
export async function inWarehouse<T>(ctx: AppContext, workspaceId: string, fn: (d: DuckSession) => Promise<T>, limitMs?: number): Promise<T> {
  return withDuck(async (d) => {
    await openWarehouse(ctx, d, workspaceId);
    return fn(d);
  }, limitMs);
}
