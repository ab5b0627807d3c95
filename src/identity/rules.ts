// Per-workspace identity rules: which identifier types identify one person (unique) and which are only hints (weak),
// how many values of a type one person may hold, and which type decides when identifiers disagree.
import type { Queryable } from '../kernel/db.ts';
import type { IdType } from './identifiers.ts';

export interface IdentityRule {
  type: IdType;
  strength: 'unique' | 'weak';
  maxPerCustomer: number | null;
  priority: number;
}

export const DEFAULT_RULES: IdentityRule[] = [
  { type: 'user_id', strength: 'unique', maxPerCustomer: null, priority: 1 },
  { type: 'member_no', strength: 'unique', maxPerCustomer: 1, priority: 2 },
  { type: 'unionid', strength: 'unique', maxPerCustomer: 1, priority: 3 },
  { type: 'phone', strength: 'unique', maxPerCustomer: 1, priority: 4 },
  { type: 'email', strength: 'unique', maxPerCustomer: 3, priority: 5 },
  { type: 'wecom_external_userid', strength: 'unique', maxPerCustomer: null, priority: 6 },
  { type: 'openid', strength: 'unique', maxPerCustomer: 1, priority: 7 }, // one per app (scope)
  { type: 'douyin_openid', strength: 'unique', maxPerCustomer: 1, priority: 8 },
  { type: 'anonymous_id', strength: 'weak', maxPerCustomer: null, priority: 9 },
];

export type RuleBook = Map<IdType, IdentityRule>;

export async function loadRules(tx: Queryable): Promise<RuleBook> {
  const { rows } = await tx.query<{ id_type: IdType; strength: 'unique' | 'weak'; max_per_customer: number | null; priority: number }>(
    'SELECT id_type, strength, max_per_customer, priority FROM identity_rules',
  );
  const book: RuleBook = new Map(DEFAULT_RULES.map((r) => [r.type, r]));
  for (const r of rows) book.set(r.id_type, { type: r.id_type, strength: r.strength, maxPerCustomer: r.max_per_customer, priority: r.priority });
  return book;
}

export async function saveRules(tx: Queryable, workspaceId: string, rules: IdentityRule[]): Promise<void> {
  for (const r of rules) {
    await tx.query(
      `INSERT INTO identity_rules (workspace_id, id_type, strength, max_per_customer, priority) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (workspace_id, id_type) DO UPDATE SET strength = $3, max_per_customer = $4, priority = $5`,
      [workspaceId, r.type, r.strength, r.maxPerCustomer, r.priority],
    );
  }
}
