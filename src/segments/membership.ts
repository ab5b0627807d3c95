// Storing who entered and left rule tags and segments, and writing segment_entered / segment_exited events into
// each customer's timeline. Inserts and deletes report what they actually changed, so two processes evaluating the
// same customer never record an entry twice.
import type { TenantTx } from '../kernel/tenant.ts';
import type { RuleDef } from './definitions.ts';
import { appendTimeline } from '../customers/timeline.ts';
import { setCoverage, tagCustomers, untagCustomers } from '../tags/publish.ts';

export interface Change {
  def: RuleDef;
  customerId: number;
  change: 'entered' | 'exited';
}

/** Rows written per statement: a segment of a million new members is stored in pieces, with progress. */
const CHUNK = 50_000;

/**
 * `sizes`: the definitions whose size is stored (those with changes; every one after a full recompute) and their
 * member count as the engine holds it. The engine is the only writer of rule tags' and segments' members, so its
 * count is what these changes leave in the tables: no recount (a count of every member of 60 definitions took 2.8 s
 * at a million customers). `progress` hears how many changes are stored so far.
 */
export async function persistChanges(tx: TenantTx, changes: Change[], now: Date, sizes: Map<RuleDef, number>, progress?: (done: number) => void) {
  const ws = tx.workspaceId;
  const group = (kind: 'tag' | 'segment', change: 'entered' | 'exited') => {
    const m = new Map<number, number[]>();
    for (const c of changes) {
      if (c.def.kind !== kind || c.change !== change) continue;
      const ids = m.get(c.def.id);
      if (ids) ids.push(c.customerId);
      else m.set(c.def.id, [c.customerId]);
    }
    // Split into statement-sized pieces.
    const out: [number, number[]][] = [];
    for (const [id, ids] of m) for (let i = 0; i < ids.length; i += CHUNK) out.push([id, ids.slice(i, i + CHUNK)]);
    return out;
  };
  let stored = 0;
  const advance = (n: number) => progress?.((stored += n));
  for (const [tagId, ids] of group('tag', 'entered')) {
    await tagCustomers(tx, tagId, ids, 'rule', now);
    advance(ids.length);
  }
  for (const [tagId, ids] of group('tag', 'exited')) {
    await untagCustomers(tx, tagId, ids, 'rule');
    advance(ids.length);
  }
  const events: { id: number; segmentId: number; key: string; name: string; change: string }[] = [];
  const defs = new Map(changes.map((c) => [`${c.def.kind}:${c.def.id}`, c.def]));
  for (const [segmentId, ids] of group('segment', 'entered')) {
    const { rows } = await tx.query<{ customer_id: number }>(
      `INSERT INTO segment_members (workspace_id, segment_id, customer_id, since) SELECT $1, $2, unnest($3::bigint[]), $4 ON CONFLICT DO NOTHING RETURNING customer_id`,
      [ws, segmentId, ids, now],
    );
    const d = defs.get(`segment:${segmentId}`)!;
    for (const r of rows) events.push({ id: r.customer_id, segmentId, key: d.key, name: d.name, change: 'segment_entered' });
    advance(ids.length);
  }
  for (const [segmentId, ids] of group('segment', 'exited')) {
    const { rows } = await tx.query<{ customer_id: number }>(
      `DELETE FROM segment_members WHERE workspace_id = $1 AND segment_id = $2 AND customer_id = ANY($3) RETURNING customer_id`,
      [ws, segmentId, ids],
    );
    const d = defs.get(`segment:${segmentId}`)!;
    for (const r of rows) events.push({ id: r.customer_id, segmentId, key: d.key, name: d.name, change: 'segment_exited' });
    advance(ids.length);
  }
  await appendTimeline(tx, events.map((e) => ({
    key: `seg:${e.segmentId}:${e.id}:${e.change}:${now.getTime()}`, customerId: e.id, event: e.change, properties: { segment: e.key, segment_name: e.name }, at: now,
  })));
  const tags = [...sizes].filter(([d]) => d.kind === 'tag');
  const segments = [...sizes].filter(([d]) => d.kind === 'segment');
  await setCoverage(tx, new Map(tags.map(([d, n]) => [d.id, n])), now);
  if (segments.length) {
    const ids = segments.map(([d]) => d.id);
    const counts = segments.map(([, n]) => n);
    await tx.query(`UPDATE segments s SET size = u.n, refreshed_at = $2 FROM unnest($3::bigint[], $4::int[]) AS u(id, n) WHERE s.workspace_id = $1 AND s.id = u.id`,
      [ws, now, ids, counts]);
    // One history point per segment per minute.
    await tx.query(
      `INSERT INTO segment_sizes (workspace_id, segment_id, at, size) SELECT $1, u.id, date_trunc('minute', $2::timestamptz), u.n FROM unnest($3::bigint[], $4::int[]) AS u(id, n)
       ON CONFLICT (workspace_id, segment_id, at) DO UPDATE SET size = EXCLUDED.size`,
      [ws, now, ids, counts]);
  }
}
