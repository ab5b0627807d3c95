// What a batch of runs needs to know about its customers before advancing them: time zones, best send hours,
// and the rules of condition nodes compiled against the understanding engine's in-memory store.
import type { AppContext } from '../kernel/context.ts';
import type { TenantTx } from '../kernel/tenant.ts';
import { isValidTimeZone } from '../kernel/time.ts';
import type { UnderstandingEngine } from '../segments/engine.ts';
import { compile, type Compiled } from '../segments/evaluate.ts';
import { references } from '../rules/rules.ts';
import { bestSendTimes, nextHourOfWeek, workspaceZone } from '../models/send-time.ts';
import type { JourneyDefinition } from './definition.ts';

/**
 * When each customer's best hour of the week next comes (in the workspace's zone, where the habit was measured),
 * for journeys that send at the best time; other batches pay nothing.
 */
export async function bestTimeScheduler(tx: TenantTx, defs: JourneyDefinition[], customerIds: number[], now: Date): Promise<(customerId: number) => Date> {
  const used = defs.some((d) => Object.values(d.nodes).some((n) => n.type === 'send' && n.timing === 'best_time'));
  if (!used) return () => now;
  const zone = await workspaceZone(tx);
  const best = await bestSendTimes(tx, [...new Set(customerIds)], now, zone);
  return (customerId) => {
    const b = best.get(customerId);
    return b ? nextHourOfWeek(now, b.hourOfWeek, zone) : now;
  };
}

export async function timeZones(tx: TenantTx, ids: number[], fallback: string): Promise<Map<number, string>> {
  const { rows } = await tx.query<{ id: number; tz: string | null }>(`SELECT id, traits->>'timezone' AS tz FROM customers WHERE workspace_id = $1 AND id = ANY($2) AND traits ? 'timezone'`, [tx.workspaceId, ids]);
  return new Map(rows.map((r) => [r.id, r.tz && isValidTimeZone(r.tz) ? r.tz : fallback]));
}

/** Condition nodes test the understanding engine's in-memory store (the same evaluator as segments). */
export async function conditionTester(ctx: AppContext, engine: UnderstandingEngine | null, tx: TenantTx, defs: JourneyDefinition[], now: Date) {
  const rules = defs.flatMap((d) => Object.values(d.nodes).flatMap((n) => (n.type === 'condition' ? [n.rule] : [])));
  if (rules.length === 0 || !engine) return () => false;
  const st = await engine.state(tx.workspaceId);
  for (const r of rules) for (const f of references(r).fields) await st.store.ensureField(tx, f);
  const compiled = new Map<string, Compiled>();
  return (journeyId: number, version: number, nodeId: string, rule: Parameters<typeof compile>[0], customerId: number) => {
    const k = `${journeyId}:${version}:${nodeId}`;
    let c = compiled.get(k);
    if (!c) compiled.set(k, (c = compile(rule, st.store, now.getTime())));
    return customerId < st.store.size && c.test(customerId);
  };
}
