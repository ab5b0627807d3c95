// Who reads a tag, trait or segment — other segments and rule tags, journeys (trigger, conditions, tag steps, in
// the draft or the live version) and broadcasts not yet finished: shown in the libraries, checked before deletion.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError } from '../kernel/errors.ts';
import { references, type Rule } from './rules.ts';
import { journeyReferences, type JourneyDefinition } from '../journeys/definition.ts';

export interface Usage {
  kind: 'segment' | 'tag' | 'journey' | 'broadcast';
  key: string;
  name: string;
}

type Refs = ReturnType<typeof references>;

export async function usersOf(tx: TenantTx, target: { tag?: string; segment?: string; field?: string }): Promise<Usage[]> {
  const ws = tx.workspaceId;
  const rows: (Usage & { refs: Refs })[] = [
    ...(await tx.query<{ key: string; name: string; rule: Rule }>(`SELECT key, name, rule FROM segments WHERE workspace_id = $1 AND deleted_at IS NULL`, [ws])).rows
      .map((r) => ({ kind: 'segment' as const, key: r.key, name: r.name, refs: references(r.rule) })),
    ...(await tx.query<{ key: string; name: string; rule: Rule }>(`SELECT key, name, rule FROM tags WHERE workspace_id = $1 AND deleted_at IS NULL AND rule IS NOT NULL`, [ws])).rows
      .map((r) => ({ kind: 'tag' as const, key: r.key, name: r.name, refs: references(r.rule) })),
    ...(await tx.query<{ id: number; name: string; draft: JourneyDefinition; live: JourneyDefinition | null }>(
      `SELECT j.id, j.name, j.draft, v.definition AS live FROM journeys j
         LEFT JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.live_version
        WHERE j.workspace_id = $1 AND j.status <> 'archived'`, [ws])).rows
      .map((j) => ({ kind: 'journey' as const, key: String(j.id), name: j.name, refs: merged(journeyReferences(j.draft), j.live ? journeyReferences(j.live) : null) })),
    ...(await tx.query<{ id: number; name: string; segment: string }>(
      `SELECT id, name, segment FROM broadcasts WHERE workspace_id = $1 AND status IN ('scheduled','running','paused')`, [ws])).rows
      .map((b) => ({ kind: 'broadcast' as const, key: String(b.id), name: b.name, refs: { tags: new Set<string>(), segments: new Set([b.segment]), fields: new Set<string>() } })),
  ];
  return rows
    .filter(({ kind, key, refs }) => {
      if (target.tag && refs.tags.has(target.tag) && !(kind === 'tag' && key === target.tag)) return true;
      if (target.segment && refs.segments.has(target.segment) && !(kind === 'segment' && key === target.segment)) return true;
      return target.field ? refs.fields.has(target.field) : false;
    })
    .map(({ kind, key, name }) => ({ kind, key, name }));
}

function merged(a: Refs, b: Refs | null): Refs {
  if (!b) return a;
  return { tags: new Set([...a.tags, ...b.tags]), segments: new Set([...a.segments, ...b.segments]), fields: new Set([...a.fields, ...b.fields]) };
}

/** Deleting something a rule reads would silently change that rule: refuse, naming who uses it. */
export async function refuseIfUsed(tx: TenantTx, target: { tag?: string; segment?: string; field?: string }, what: string) {
  const users = await usersOf(tx, target);
  if (users.length) throw new AppError(409, 'in_use', `${what} is used by ${users.map((u) => `${u.kind} ${u.key}${u.name !== u.key ? ` (${u.name})` : ''}`).join(', ')}; change those first`);
}
