// "Where used": every module that defines things which read tags, segments or fields (segments, rule tags, journeys,
// broadcasts) answers for its own; the libraries show the answers and deleting a definition in use is refused.
import type { AppContext } from './context.ts';
import type { TenantTx } from './tenant.ts';
import type { Usage, UsageTarget } from './module.ts';
import { AppError } from './errors.ts';

export async function usersOf(ctx: AppContext, tx: TenantTx, target: UsageTarget): Promise<Usage[]> {
  const found: Usage[] = [];
  for (const m of ctx.modules) if (m.references) found.push(...(await m.references(tx, target)));
  return found;
}

/** Deleting something a rule reads would silently change that rule: refuse, naming who uses it. */
export async function refuseIfUsed(ctx: AppContext, tx: TenantTx, target: UsageTarget, what: string): Promise<void> {
  const users = await usersOf(ctx, tx, target);
  if (users.length) throw new AppError(409, 'in_use', `${what} is used by ${users.map((u) => `${u.kind} ${u.key}${u.name !== u.key ? ` (${u.name})` : ''}`).join(', ')}; change those first`);
}
