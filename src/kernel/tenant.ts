// Tenant isolation lives in the database, not in handlers: every tenant table has a row-level security policy on
// app.workspace_id, and tenant work runs as the unprivileged role siyu_tenant. A query that forgets
// "WHERE workspace_id = ..." still sees only its own workspace's rows, and cannot write rows for another.
import type { Db, Queryable } from './db.ts';

export const TENANT_ROLE = 'siyu_tenant';

export interface TenantTx extends Queryable {
  readonly workspaceId: string;
}

export async function withTenant<T>(db: Db, workspaceId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('app.workspace_id', $1, true), set_config('role', '${TENANT_ROLE}', true)`, [workspaceId]);
    return fn({ workspaceId, query: tx.query.bind(tx) });
  });
}
