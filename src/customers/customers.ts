// Customer list, customer 360 and timeline. Profiles are shown masked; the unmasked view needs the pii:read
// permission and is written to the audit log.
import type { Pii } from '../kernel/crypto/pii.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { notFound } from '../kernel/errors.ts';
import { normalizeIdentifier } from '../identity/identifiers.ts';
import { normalizeName, revealPii } from './profile.ts';
import { rootOf } from '../identity/roots.ts';
import { mergeView, type MergeRow } from '../identity/merge-view.ts';

export interface ListQuery {
  q?: string;
  source?: string;
  hasOrders?: boolean;
  known?: boolean;
  limit: number;
  /** Keyset cursor: "<last_seen_at ISO>|<id>". */
  cursor?: string;
}

const LIST_COLUMNS = `c.id, c.pii_masked, c.is_anonymous, c.source_channel, c.order_count, c.total_spent, c.first_order_at, c.last_order_at,
                      c.first_seen_at, c.last_seen_at, c.traits`;

export async function listCustomers(tx: TenantTx, pii: Pii, query: ListQuery) {
  const where = ['c.workspace_id = $1', 'c.merged_into IS NULL'];
  const params: unknown[] = [tx.workspaceId];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    where.push(clause.replace('?', `$${params.length}`));
  };
  if (query.q) {
    const ids = await searchIds(tx, pii, query.q.trim());
    add('c.id = ANY(?)', ids);
  }
  if (query.source) add('c.source_channel = ?', query.source);
  if (query.hasOrders !== undefined) where.push(query.hasOrders ? 'c.order_count > 0' : 'c.order_count = 0');
  if (query.known !== undefined) where.push(query.known ? 'NOT c.is_anonymous' : 'c.is_anonymous');
  if (query.cursor) {
    const [at, id] = query.cursor.split('|');
    params.push(new Date(at), Number(id));
    where.push(`(c.last_seen_at, c.id) < ($${params.length - 1}, $${params.length})`);
  }
  params.push(query.limit + 1);
  const { rows } = await tx.query(
    `SELECT ${LIST_COLUMNS} FROM customers c WHERE ${where.join(' AND ')} ORDER BY c.last_seen_at DESC, c.id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    customers: page.map(summary),
    nextCursor: rows.length > query.limit && last ? `${new Date(last.last_seen_at).toISOString()}|${last.id}` : null,
  };
}

/** Search by phone, email, customer id, user id / member number, or exact name — all through blind indexes. */
async function searchIds(tx: TenantTx, pii: Pii, q: string): Promise<number[]> {
  const probes: { type: string; hash: string }[] = [];
  for (const type of ['phone', 'email', 'user_id', 'member_no', 'unionid', 'wecom_external_userid'] as const) {
    const n = normalizeIdentifier(type, q);
    if (n.ok) probes.push({ type, hash: pii.blindIndex(type, n.value) });
  }
  const { rows } = await tx.query<{ id: number }>(
    `SELECT DISTINCT c.canonical_id AS id
       FROM unnest($2::text[], $3::text[]) AS p(t, h)
       JOIN identities i ON i.workspace_id = $1 AND i.id_type = p.t AND i.scope = '' AND i.value_hash = p.h
       JOIN customers c ON c.workspace_id = $1 AND c.id = i.customer_id
     UNION
     SELECT c.canonical_id FROM customers c WHERE c.workspace_id = $1 AND c.name_bidx = $4
     UNION
     SELECT c.canonical_id FROM customers c WHERE c.workspace_id = $1 AND c.id = $5`,
    [tx.workspaceId, probes.map((p) => p.type), probes.map((p) => p.hash), pii.blindIndex('name', normalizeName(q)), /^\d{1,15}$/.test(q) ? Number(q) : -1],
  );
  return rows.map((r) => r.id);
}

function summary(r: any) {
  return {
    id: r.id,
    name: r.pii_masked?.name ?? null,
    phone: r.pii_masked?.phone ?? null,
    email: r.pii_masked?.email ?? null,
    known: !r.is_anonymous,
    source: r.source_channel,
    city: r.traits?.city ?? null,
    orderCount: r.order_count,
    totalSpent: r.total_spent,
    firstOrderAt: r.first_order_at?.toISOString?.() ?? null,
    lastOrderAt: r.last_order_at?.toISOString?.() ?? null,
    firstSeenAt: new Date(r.first_seen_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
  };
}

export async function customer360(tx: TenantTx, pii: Pii, id: number, reveal: boolean) {
  const root = await rootOf(tx, id);
  const ws = tx.workspaceId;
  // One transaction is one connection: the reads run one after another.
  const profile = await tx.query(`SELECT ${LIST_COLUMNS}, c.pii, c.source FROM customers c WHERE c.workspace_id = $1 AND c.id = $2`, [ws, root]);
  const members = await tx.query(`SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = $2 ORDER BY id`, [ws, root]);
  const identities = await tx.query(
    `SELECT i.id_type, i.scope, i.value_masked, i.value_enc, i.customer_id, i.source, i.created_at
       FROM identities i JOIN customers c ON c.workspace_id = $1 AND c.id = i.customer_id
      WHERE i.workspace_id = $1 AND c.canonical_id = $2 ORDER BY i.created_at`,
    [ws, root],
  );
  const merges = await tx.query<MergeRow>(
    `SELECT m.id, m.winner_id, m.loser_id, m.reason, m.evidence, m.actor, m.created_at, m.undone_at, m.undone_by, m.undo_reason
       FROM merges m
      WHERE m.workspace_id = $1 AND (m.winner_id IN (SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = $2)
                                  OR m.loser_id IN (SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = $2))
      ORDER BY m.created_at DESC`,
    [ws, root],
  );
  const orders = await tx.query(
    `SELECT o.order_id, o.status, o.currency, o.amount, o.refunded_amount, o.items, o.channel, o.store, o.placed_at
       FROM orders o JOIN customers c ON c.workspace_id = $1 AND c.id = o.customer_id
      WHERE o.workspace_id = $1 AND c.canonical_id = $2 ORDER BY o.placed_at DESC LIMIT 50`,
    [ws, root],
  );
  const conflicts = await tx.query(`SELECT kind, details, at FROM identity_conflicts WHERE workspace_id = $1 AND customer_id = $2 ORDER BY at DESC LIMIT 20`, [ws, root]);
  const predictions = await tx.query(`SELECT p_alive, expected_90d, expected_spend, clv, churn_risk, churn_level, activity_drop, value_score, value_factors, computed_at FROM predictions WHERE workspace_id = $1 AND model = 'clv' AND customer_id = $2`, [ws, root]);
  const tags = await tx.query(`SELECT t.key, t.name, t.tier, ct.source FROM customer_tags ct JOIN tags t ON t.workspace_id = ct.workspace_id AND t.id = ct.tag_id AND t.deleted_at IS NULL WHERE ct.workspace_id = $1 AND ct.customer_id = $2 ORDER BY t.tier, t.key`, [ws, root]);

  const p = profile.rows[0];
  const s = summary(p);
  return {
    ...s,
    mergedFrom: id !== root ? id : null,
    attributes: p.traits,
    pii: reveal ? revealPii(pii, p.pii) : p.pii_masked,
    piiRevealed: reveal,
    sourceDetail: p.source ?? null,
    stats: {
      orderCount: s.orderCount,
      totalSpent: s.totalSpent,
      averageOrderValue: s.orderCount > 0 ? Math.round(s.totalSpent / s.orderCount) : 0,
      firstOrderAt: s.firstOrderAt,
      lastOrderAt: s.lastOrderAt,
    },
    members: members.rows.map((m) => m.id),
    identities: identities.rows.map((i: any) => ({
      type: i.id_type,
      scope: i.scope || null,
      value: reveal ? pii.decrypt(i.value_enc) : i.value_masked,
      profileId: i.customer_id,
      source: i.source,
      firstSeenAt: new Date(i.created_at).toISOString(),
    })),
    merges: merges.rows.map(mergeView),
    orders: orders.rows.map((o: any) => ({ ...o, placed_at: new Date(o.placed_at).toISOString() })),
    conflicts: conflicts.rows.map((c: any) => ({ kind: c.kind, details: c.details, at: new Date(c.at).toISOString() })),
    predictions: predictions.rows[0] ?? null,
    tags: tags.rows,
  };
}


export interface TimelineEntry {
  kind: 'event' | 'order' | 'refund' | 'merge' | 'unmerge';
  at: string;
  title: string;
  detail: Record<string, unknown>;
}

/** Events, orders, refunds and merges of every member of the profile, newest first. */
export async function timeline(tx: TenantTx, id: number, limit: number, before?: Date): Promise<TimelineEntry[]> {
  const root = await rootOf(tx, id);
  const ws = tx.workspaceId;
  const until = before ?? new Date('9999-12-31');
  const { rows } = await tx.query(
    `WITH members AS (SELECT id FROM customers WHERE workspace_id = $1 AND canonical_id = $2)
     (SELECT 'event' AS kind, e.ts AS at, e.type || ':' || coalesce(e.event, '') AS title,
             jsonb_build_object('type', e.type, 'event', e.event, 'properties', e.properties, 'messageId', e.message_id, 'profileId', e.customer_id) AS detail
        FROM events e WHERE e.workspace_id = $1 AND e.customer_id IN (SELECT id FROM members) AND e.ts < $3 ORDER BY e.ts DESC LIMIT $4)
     UNION ALL
     (SELECT 'order', o.placed_at, o.order_id, jsonb_build_object('amount', o.amount, 'currency', o.currency, 'status', o.status, 'items', o.items, 'channel', o.channel, 'store', o.store)
        FROM orders o WHERE o.workspace_id = $1 AND o.customer_id IN (SELECT id FROM members) AND o.placed_at < $3 ORDER BY o.placed_at DESC LIMIT $4)
     UNION ALL
     (SELECT 'refund', r.refunded_at, o.order_id, jsonb_build_object('amount', r.amount, 'refundId', r.refund_id, 'reason', r.reason)
        FROM refunds r JOIN orders o ON o.workspace_id = $1 AND o.id = r.order_pk
       WHERE r.workspace_id = $1 AND o.customer_id IN (SELECT id FROM members) AND r.refunded_at < $3 ORDER BY r.refunded_at DESC LIMIT $4)
     UNION ALL
     (SELECT 'merge', m.created_at, m.reason, jsonb_build_object('mergeId', m.id, 'winnerId', m.winner_id, 'loserId', m.loser_id, 'links', m.evidence->'links')
        FROM merges m WHERE m.workspace_id = $1 AND (m.winner_id IN (SELECT id FROM members) OR m.loser_id IN (SELECT id FROM members)) AND m.created_at < $3)
     UNION ALL
     (SELECT 'unmerge', m.undone_at, coalesce(m.undo_reason, ''), jsonb_build_object('mergeId', m.id, 'winnerId', m.winner_id, 'loserId', m.loser_id, 'by', m.undone_by)
        FROM merges m WHERE m.workspace_id = $1 AND m.undone_at IS NOT NULL AND (m.winner_id IN (SELECT id FROM members) OR m.loser_id IN (SELECT id FROM members)) AND m.undone_at < $3)
     ORDER BY at DESC LIMIT $4`,
    [ws, root, until, limit],
  );
  return rows.map((r: any) => ({ kind: r.kind, at: new Date(r.at).toISOString(), title: r.title, detail: r.detail }));
}
