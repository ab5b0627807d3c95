// Who reads a tag, trait or segment: shown in the tag library and checked before deletion.
import type { TenantTx } from '../kernel/tenant.ts';
import { AppError } from '../kernel/errors.ts';
import { references, type Rule } from './rules.ts';

export interface Usage {
  kind: 'segment' | 'tag';
  key: string;
  name: string;
}

export async function usersOf(tx: TenantTx, target: { tag?: string; segment?: string; field?: string }): Promise<Usage[]> {
  const rows = [
    ...(await tx.query<{ key: string; name: string; rule: Rule }>(`SELECT key, name, rule FROM segments WHERE workspace_id = $1 AND deleted_at IS NULL`, [tx.workspaceId])).rows.map((r) => ({ kind: 'segment' as const, ...r })),
    ...(await tx.query<{ key: string; name: string; rule: Rule }>(`SELECT key, name, rule FROM tags WHERE workspace_id = $1 AND deleted_at IS NULL AND rule IS NOT NULL`, [tx.workspaceId])).rows.map((r) => ({ kind: 'tag' as const, ...r })),
  ];
  return rows
    .filter((r) => {
      const refs = references(r.rule);
      if (target.tag && refs.tags.has(target.tag) && !(r.kind === 'tag' && r.key === target.tag)) return true;
      if (target.segment && refs.segments.has(target.segment) && !(r.kind === 'segment' && r.key === target.segment)) return true;
      return target.field ? refs.fields.has(target.field) : false;
    })
    .map(({ kind, key, name }) => ({ kind, key, name }));
}

/** Deleting something a rule reads would silently change that rule: refuse, naming who uses it. */
export async function refuseIfUsed(tx: TenantTx, target: { tag?: string; segment?: string; field?: string }, what: string) {
  const users = await usersOf(tx, target);
  if (users.length) throw new AppError(409, 'in_use', `${what} is used by ${users.map((u) => `${u.kind} ${u.key}`).join(', ')}; change those first`);
}
