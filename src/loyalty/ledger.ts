// The points ledger. Every change is an immutable entry with its source and an idempotency key (a replay returns
// the original entry); points live in lots that expire and are spent soonest-expiring first; the member's account
// row is a projection updated in the same transaction, under a row lock that serialises one member's operations.
// Invariant (checked by tests): balance = sum(live lots' remaining) - debt, held = sum(open holds).
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError, badRequest, notFound } from '../kernel/errors.ts';
import type { Program } from './program.ts';
import { localDayBounds } from '../kernel/time.ts';
import { rootOf } from '../identity/roots.ts';

export interface Entry {
  id: number;
  customer_id: number;
  kind: 'earn' | 'redeem' | 'hold' | 'release' | 'reverse' | 'expire' | 'adjust';
  points: number;
  source_type: string;
  source_id: string;
  idempotency_key: string;
  detail: Record<string, unknown>;
  created_at: Date;
  /** True when the request was a replay and this is the entry stored the first time. */
  duplicate?: boolean;
  /** The member's balance right after this entry (absent on replays). */
  balance?: number;
}

export interface Account {
  customer_id: number;
  balance: number;
  held: number;
  debt: number;
  earned_total: number;
  spent_total: number;
  expired_total: number;
}

interface Source {
  sourceType: string;
  sourceId: string;
  key: string;
  actor?: string;
  detail?: Record<string, unknown>;
}

const ACCOUNT_COLUMNS = 'customer_id, balance, held, debt, earned_total, spent_total, expired_total';
const num = (r: any): Account => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)])) as unknown as Account;


/**
 * Locks members' accounts (creating them) in id order, so two transactions locking the same members cannot
 * deadlock, after folding in the lots and debt of profiles merged into them since: points earned before a merge are
 * spendable after it.
 */
export async function lockAccounts(tx: TenantTx, roots: number[], now: Date): Promise<Map<number, Account>> {
  const ids = [...new Set(roots)].sort((x, y) => x - y);
  await tx.query(
    `INSERT INTO points_accounts (workspace_id, customer_id) SELECT $1, u.id FROM unnest($2::bigint[]) AS u(id) ORDER BY u.id ON CONFLICT DO NOTHING`,
    [tx.workspaceId, ids],
  );
  const { rows } = await tx.query(
    `SELECT ${ACCOUNT_COLUMNS} FROM points_accounts WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) ORDER BY customer_id FOR UPDATE`,
    [tx.workspaceId, ids],
  );
  const accounts = new Map(rows.map(num).map((acc) => [acc.customer_id, acc]));
  const merged = await tx.query(
    `SELECT ${ACCOUNT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}, c.canonical_id AS root FROM points_accounts a
       JOIN customers c ON c.workspace_id = a.workspace_id AND c.id = a.customer_id
      WHERE a.workspace_id = $1 AND (a.balance <> 0 OR a.debt <> 0)
        AND a.customer_id = ANY(ARRAY(SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = ANY($2::bigint[]) AND id <> canonical_id))
      ORDER BY a.customer_id FOR UPDATE OF a`,
    [tx.workspaceId, ids],
  );
  for (const { root, ...from } of merged.rows) accounts.set(Number(root), await absorb(tx, accounts.get(Number(root))!, num(from), now));
  return accounts;
}

export async function lockAccount(tx: TenantTx, root: number, now: Date): Promise<Account> {
  return (await lockAccounts(tx, [root], now)).get(root)!;
}

async function absorb(tx: TenantTx, into: Account, from: Account, now: Date): Promise<Account> {
  const ws = tx.workspaceId;
  await tx.query(`UPDATE points_lots SET customer_id = $3 WHERE workspace_id = $1 AND customer_id = $2 AND remaining > 0`, [ws, from.customer_id, into.customer_id]);
  const stamp = `${into.customer_id}:${now.getTime()}`;
  await insertEntry(tx, from.customer_id, 'adjust', -from.balance, { sourceType: 'merge', sourceId: String(into.customer_id), key: `merge-out:${from.customer_id}:${stamp}`, detail: { movedTo: into.customer_id, debt: from.debt } }, now);
  await insertEntry(tx, into.customer_id, 'adjust', from.balance, { sourceType: 'merge', sourceId: String(from.customer_id), key: `merge-in:${from.customer_id}:${stamp}`, detail: { movedFrom: from.customer_id, debt: from.debt } }, now);
  await tx.query(`UPDATE points_accounts SET balance = 0, debt = 0, updated_at = $3 WHERE workspace_id = $1 AND customer_id = $2`, [ws, from.customer_id, now]);
  return setAccount(tx, { ...into, balance: into.balance + from.balance, debt: into.debt + from.debt }, now);
}

async function setAccount(tx: TenantTx, a: Account, now: Date): Promise<Account> {
  await tx.query(
    `UPDATE points_accounts SET balance = $3, held = $4, debt = $5, earned_total = $6, spent_total = $7, expired_total = $8, updated_at = $9
      WHERE workspace_id = $1 AND customer_id = $2`,
    [tx.workspaceId, a.customer_id, a.balance, a.held, a.debt, a.earned_total, a.spent_total, a.expired_total, now],
  );
  return a;
}

async function insertEntry(tx: TenantTx, customerId: number, kind: Entry['kind'], points: number, s: Source, now: Date): Promise<Entry> {
  const { rows } = await tx.query<Entry>(
    `INSERT INTO points_entries (workspace_id, customer_id, kind, points, source_type, source_id, idempotency_key, detail, actor, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [tx.workspaceId, customerId, kind, points, s.sourceType, s.sourceId, s.key, JSON.stringify(s.detail ?? {}), s.actor ?? null, now],
  );
  return entryView(rows[0]);
}

export const entryView = (r: any): Entry => ({ ...r, id: Number(r.id), customer_id: Number(r.customer_id), points: Number(r.points) });

/** The entry already stored under this key, if any: the caller answers with it instead of acting again. */
export async function replayed(tx: TenantTx, key: string, root?: number): Promise<Entry | null> {
  const { rows } = await tx.query(`SELECT * FROM points_entries WHERE workspace_id = $1 AND idempotency_key = $2`, [tx.workspaceId, key]);
  if (!rows[0]) return null;
  const entry = entryView(rows[0]);
  if (root !== undefined) await assertSameMember(tx, entry, root);
  return { ...entry, duplicate: true };
}

/** A replayed key must be the same member's: entries stay on the profile that earned them, which after a merge is the survivor's. */
async function assertSameMember(tx: TenantTx, entry: Entry, root: number) {
  if (entry.customer_id === root || (await rootOf(tx, entry.customer_id)) === root) return;
  const key = entry.idempotency_key;
  const field = key.split(':')[0];
  throw new AppError(409, 'conflict', `${key.slice(field.length + 1)} was already used for another member`, [{ field: 'reference', message: 'already used for another member' }]);
}

/** The lot a crediting entry creates; `remaining` is less than its points when part of them repaid a debt. */
async function insertLot(tx: TenantTx, entry: Entry, remaining: number, expiresAt: Date | null) {
  await tx.query(
    `INSERT INTO points_lots (workspace_id, customer_id, entry_id, points, remaining, earned_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [tx.workspaceId, entry.customer_id, entry.id, entry.points, remaining, entry.created_at, expiresAt],
  );
}

/** Takes up to `points` from the member's live lots, soonest-expiring first. */
async function takeFromLots(tx: TenantTx, customerId: number, points: number, preferLot?: number): Promise<{ lot: number; points: number }[]> {
  if (points <= 0) return [];
  const { rows } = await tx.query<{ id: string; remaining: string }>(
    `SELECT id, remaining FROM points_lots WHERE workspace_id = $1 AND customer_id = $2 AND remaining > 0
      ORDER BY (id = $3) DESC, expires_at NULLS LAST, id FOR UPDATE`,
    [tx.workspaceId, customerId, preferLot ?? 0],
  );
  const taken: { lot: number; points: number }[] = [];
  let left = points;
  for (const r of rows) {
    if (left === 0) break;
    const n = Math.min(left, Number(r.remaining));
    taken.push({ lot: Number(r.id), points: n });
    left -= n;
  }
  if (taken.length) {
    await tx.query(
      `UPDATE points_lots l SET remaining = l.remaining - u.n FROM unnest($2::bigint[], $3::bigint[]) AS u(id, n) WHERE l.workspace_id = $1 AND l.id = u.id`,
      [tx.workspaceId, taken.map((t) => t.lot), taken.map((t) => t.points)],
    );
  }
  return taken;
}

export interface EarnItem extends Source {
  root: number;
  points: number;
  expiresAt: Date | null;
}

/**
 * Adds points as new lots, for one member or many (an order batch) in a fixed number of statements. A debt left by
 * earlier reversals is repaid first. The daily cap trims what is over it (the entry records the trimmed amount); an
 * earn trimmed to nothing is still recorded, so a replay is recognised and answered with the stored entry.
 */
export async function earnMany(tx: TenantTx, program: Program, items: EarnItem[], now: Date): Promise<Entry[]> {
  if (items.length === 0) return [];
  for (const i of items) if (!Number.isInteger(i.points) || i.points < 0) throw badRequest('points', 'must be a whole number of points, 0 or more');
  const ws = tx.workspaceId;
  const accounts = await lockAccounts(tx, items.map((i) => i.root), now);
  const prior = await tx.query(`SELECT * FROM points_entries WHERE workspace_id = $1 AND idempotency_key = ANY($2::text[])`, [ws, items.map((i) => i.key)]);
  const replays = new Map(prior.rows.map((r: any) => [r.idempotency_key as string, { ...entryView(r), duplicate: true }]));
  for (const item of items) {
    const replay = replays.get(item.key);
    if (replay) await assertSameMember(tx, replay, item.root);
  }
  const today = new Map<number, number>();
  if (program.dailyCap > 0) {
    const { start, end } = localDayBounds(now, program.timezone);
    const { rows } = await tx.query<{ customer_id: string; n: string }>(
      `SELECT customer_id, sum(points) AS n FROM points_entries WHERE workspace_id = $1 AND customer_id = ANY($2::bigint[]) AND kind = 'earn' AND created_at >= $3 AND created_at < $4 GROUP BY 1`,
      [ws, [...accounts.keys()], start, end],
    );
    for (const r of rows) today.set(Number(r.customer_id), Number(r.n));
  }
  const fresh: { item: EarnItem; granted: number; repay: number; detail: Record<string, unknown>; balance: number }[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    if (replays.has(item.key) || seen.has(item.key)) continue;
    seen.add(item.key);
    const a = accounts.get(item.root)!;
    let granted = item.points;
    const detail: Record<string, unknown> = { ...item.detail };
    if (program.dailyCap > 0 && granted > 0) {
      const room = Math.max(0, program.dailyCap - (today.get(item.root) ?? 0));
      if (granted > room) {
        detail.cappedFrom = granted;
        detail.cap = `daily cap ${program.dailyCap}`;
        granted = room;
      }
      today.set(item.root, (today.get(item.root) ?? 0) + granted);
    }
    const repay = Math.min(a.debt, granted);
    if (repay > 0) detail.debtRepaid = repay;
    a.balance += granted;
    a.debt -= repay;
    a.earned_total += granted;
    fresh.push({ item, granted, repay, detail, balance: a.balance });
  }
  const stored = new Map<string, Entry>();
  if (fresh.length) {
    const { rows } = await tx.query(
      `INSERT INTO points_entries (workspace_id, customer_id, kind, points, source_type, source_id, idempotency_key, detail, actor, created_at)
       SELECT $1, u.cid, 'earn', u.pts, u.st, u.sid, u.k, u.d, u.actor, $8
         FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $9::text[]) AS u(cid, pts, st, sid, k, d, actor)
       RETURNING *`,
      [ws, fresh.map((f) => f.item.root), fresh.map((f) => f.granted), fresh.map((f) => f.item.sourceType), fresh.map((f) => f.item.sourceId),
       fresh.map((f) => f.item.key), fresh.map((f) => JSON.stringify(f.detail)), now, fresh.map((f) => f.item.actor ?? null)],
    );
    for (const r of rows) stored.set(r.idempotency_key, entryView(r));
    const lots = fresh.filter((f) => f.granted > 0);
    await tx.query(
      `INSERT INTO points_lots (workspace_id, customer_id, entry_id, points, remaining, earned_at, expires_at)
       SELECT $1, u.cid, u.eid, u.pts, u.rem, $6, u.exp FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $7::timestamptz[]) AS u(cid, eid, pts, rem, exp)`,
      [ws, lots.map((f) => f.item.root), lots.map((f) => stored.get(f.item.key)!.id), lots.map((f) => f.granted), lots.map((f) => f.granted - f.repay), now, lots.map((f) => f.item.expiresAt)],
    );
    const touched = [...new Set(fresh.map((f) => f.item.root))].map((id) => accounts.get(id)!);
    await tx.query(
      `UPDATE points_accounts a SET balance = u.b, debt = u.d, earned_total = u.e, updated_at = $5
         FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $6::bigint[]) AS u(id, b, d, e) WHERE a.workspace_id = $1 AND a.customer_id = u.id`,
      [ws, touched.map((a) => a.customer_id), touched.map((a) => a.balance), touched.map((a) => a.debt), now, touched.map((a) => a.earned_total)],
    );
  }
  const balances = new Map(fresh.map((f) => [f.item.key, f.balance]));
  return items.map((i) => replays.get(i.key) ?? { ...stored.get(i.key)!, balance: balances.get(i.key) });
}

export async function earn(tx: TenantTx, program: Program, root: number, points: number, s: Source & { expiresAt: Date | null }, now: Date): Promise<Entry> {
  return (await earnMany(tx, program, [{ ...s, root, points }], now))[0];
}

/** Spends points now (a redemption confirmed at once). Refused when the balance does not cover it. */
export async function redeem(tx: TenantTx, root: number, points: number, s: Source, now: Date): Promise<Entry> {
  let account = await lockAccount(tx, root, now);
  const prior = await replayed(tx, s.key, root);
  if (prior) return prior;
  if (points > account.balance) throw insufficient(points, account.balance);
  const lots = await takeFromLots(tx, root, points);
  const entry = await insertEntry(tx, root, 'redeem', -points, { ...s, detail: { ...s.detail, lots } }, now);
  account = await setAccount(tx, { ...account, balance: account.balance - points, spent_total: account.spent_total + points }, now);
  return { ...entry, balance: account.balance };
}

const insufficient = (points: number, balance: number) =>
  new AppError(409, 'insufficient_points', `points: ${points} requested but the balance is ${balance}`, [{ field: 'points', message: `more than the balance (${balance})` }]);

export interface Hold {
  id: number;
  customer_id: number;
  points: number;
  status: 'held' | 'captured' | 'released';
  reference: string;
  expires_at: Date;
  duplicate?: boolean;
  /** The ledger entry settling it (capture or release), when this call settled it. */
  entry?: Entry;
}

const holdView = (r: any): Hold => ({ id: Number(r.id), customer_id: Number(r.customer_id), points: Number(r.points), status: r.status, reference: r.reference, expires_at: r.expires_at });

/** Sets points aside for a redemption awaiting confirmation (lock, then confirm or release). Idempotent by reference. */
export async function hold(tx: TenantTx, program: Program, root: number, points: number, reference: string, now: Date): Promise<Hold> {
  let account = await lockAccount(tx, root, now);
  const prior = await tx.query(`SELECT * FROM points_holds WHERE workspace_id = $1 AND reference = $2`, [tx.workspaceId, reference]);
  if (prior.rows[0]) {
    if (Number(prior.rows[0].customer_id) !== root) throw new AppError(409, 'conflict', `reference: ${reference} already holds points of another member`, [{ field: 'reference', message: 'already used' }]);
    return { ...holdView(prior.rows[0]), duplicate: true };
  }
  if (points > account.balance) throw insufficient(points, account.balance);
  const lots = await takeFromLots(tx, root, points);
  const expires = new Date(now.getTime() + program.holdMinutes * 60_000);
  const { rows } = await tx.query(
    `INSERT INTO points_holds (workspace_id, customer_id, points, lots, reference, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [tx.workspaceId, root, points, JSON.stringify(lots), reference, expires, now],
  );
  const h = holdView(rows[0]);
  await insertEntry(tx, root, 'hold', -points, { sourceType: 'hold', sourceId: String(h.id), key: `hold:${reference}`, detail: { lots, expiresAt: expires } }, now);
  account = await setAccount(tx, { ...account, balance: account.balance - points, held: account.held + points }, now);
  return h;
}

/** Confirms (captures) or gives back (releases) a hold. Settling twice the same way answers with the hold; the other way is refused. */
export async function settleHold(tx: TenantTx, holdId: number, action: 'capture' | 'release', now: Date, actor?: string): Promise<Hold> {
  const found = await tx.query(`SELECT customer_id FROM points_holds WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, holdId]);
  if (!found.rows[0]) throw notFound(`hold ${holdId}`);
  let account = await lockAccount(tx, Number(found.rows[0].customer_id), now);
  const { rows } = await tx.query(`SELECT * FROM points_holds WHERE workspace_id = $1 AND id = $2 FOR UPDATE`, [tx.workspaceId, holdId]);
  const h = rows[0];
  const done = action === 'capture' ? 'captured' : 'released';
  if (h.status === done) return { ...holdView(h), duplicate: true };
  if (h.status !== 'held') throw new AppError(409, 'hold_settled', `hold ${holdId} is already ${h.status}`);
  const points = Number(h.points);
  await tx.query(`UPDATE points_holds SET status = $3, settled_at = $4 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, holdId, done, now]);
  let entry: Entry;
  if (action === 'capture') {
    entry = await insertEntry(tx, account.customer_id, 'redeem', 0, { sourceType: 'hold', sourceId: String(holdId), key: `capture:${holdId}`, actor, detail: { captured: points, reference: h.reference } }, now);
    account = await setAccount(tx, { ...account, held: account.held - points, spent_total: account.spent_total + points }, now);
  } else {
    // Points go back to the lots they came from; a lot that expired meanwhile is swept by the next expiry pass.
    const lots = h.lots as { lot: number; points: number }[];
    await tx.query(
      `UPDATE points_lots l SET remaining = l.remaining + u.n, customer_id = $4 FROM unnest($2::bigint[], $3::bigint[]) AS u(id, n) WHERE l.workspace_id = $1 AND l.id = u.id`,
      [tx.workspaceId, lots.map((l) => l.lot), lots.map((l) => l.points), account.customer_id],
    );
    entry = await insertEntry(tx, account.customer_id, 'release', points, { sourceType: 'hold', sourceId: String(holdId), key: `release:${holdId}`, actor, detail: { reference: h.reference } }, now);
    account = await setAccount(tx, { ...account, balance: account.balance + points, held: account.held - points }, now);
  }
  return { ...holdView(h), status: done, entry: { ...entry, balance: account.balance } };
}

/**
 * Takes back points (a refund of the order that earned them): from the order's own lot first, then soonest-expiring.
 * What is no longer there becomes a debt ('allow') or is recorded as forgiven ('forgive').
 */
export async function reverse(tx: TenantTx, program: Program, root: number, points: number, s: Source & { lot?: number }, now: Date): Promise<Entry> {
  let account = await lockAccount(tx, root, now);
  const prior = await replayed(tx, s.key, root);
  if (prior) return prior;
  const lots = await takeFromLots(tx, root, points, s.lot);
  const taken = lots.reduce((n, l) => n + l.points, 0);
  const shortfall = points - taken;
  const debt = program.negativeBalance === 'allow' ? shortfall : 0;
  const detail = { ...s.detail, lots, ...(shortfall > 0 ? (debt ? { debt } : { forgiven: shortfall }) : {}) };
  const entry = await insertEntry(tx, root, 'reverse', -(taken + debt), { ...s, detail }, now);
  account = await setAccount(tx, { ...account, balance: account.balance - taken - debt, debt: account.debt + debt, earned_total: account.earned_total - points }, now);
  return { ...entry, balance: account.balance };
}

/** Operator correction: a positive adjustment is a new lot, a negative one spends like a redemption. */
export async function adjust(tx: TenantTx, root: number, points: number, s: Source & { expiresAt: Date | null }, now: Date): Promise<Entry> {
  let account = await lockAccount(tx, root, now);
  const prior = await replayed(tx, s.key, root);
  if (prior) return prior;
  if (points < 0 && -points > account.balance) throw insufficient(-points, account.balance);
  const lots = points < 0 ? await takeFromLots(tx, root, -points) : [];
  const entry = await insertEntry(tx, root, 'adjust', points, { ...s, detail: { ...s.detail, lots } }, now);
  if (points > 0) {
    const repay = Math.min(account.debt, points);
    await insertLot(tx, entry, points - repay, s.expiresAt);
    account = { ...account, debt: account.debt - repay };
  }
  account = await setAccount(tx, { ...account, balance: account.balance + points }, now);
  return { ...entry, balance: account.balance };
}

/** Expires the member's lots that are due (one entry per lot) and releases holds left unconfirmed. */
export async function expireMember(tx: TenantTx, root: number, now: Date): Promise<Entry[]> {
  let account = await lockAccount(tx, root, now);
  const entries: Entry[] = [];
  const stale = await tx.query(`SELECT id FROM points_holds WHERE workspace_id = $1 AND customer_id = $2 AND status = 'held' AND expires_at <= $3`, [tx.workspaceId, root, now]);
  for (const h of stale.rows) entries.push((await settleHold(tx, Number(h.id), 'release', now, 'system:hold-timeout')).entry!);
  if (stale.rows.length) account = await lockAccount(tx, root, now);
  const { rows } = await tx.query<{ id: string; remaining: string; expires_at: Date }>(
    `SELECT id, remaining, expires_at FROM points_lots WHERE workspace_id = $1 AND customer_id = $2 AND remaining > 0 AND expires_at <= $3 FOR UPDATE`,
    [tx.workspaceId, root, now],
  );
  let expired = 0;
  for (const lot of rows) {
    const n = Number(lot.remaining);
    await tx.query(`UPDATE points_lots SET remaining = 0 WHERE workspace_id = $1 AND id = $2`, [tx.workspaceId, lot.id]);
    entries.push(await insertEntry(tx, root, 'expire', -n, { sourceType: 'expiry', sourceId: String(lot.id), key: `expire:${lot.id}:${now.getTime()}`, detail: { lot: Number(lot.id), expiresAt: lot.expires_at } }, now));
    expired += n;
  }
  if (expired) await setAccount(tx, { ...account, balance: account.balance - expired, expired_total: account.expired_total + expired }, now);
  return entries;
}

export async function getAccount(tx: TenantTx, root: number): Promise<Account> {
  const { rows } = await tx.query(`SELECT ${ACCOUNT_COLUMNS} FROM points_accounts WHERE workspace_id = $1 AND customer_id = $2`, [tx.workspaceId, root]);
  return rows[0] ? num(rows[0]) : { customer_id: root, balance: 0, held: 0, debt: 0, earned_total: 0, spent_total: 0, expired_total: 0 };
}
