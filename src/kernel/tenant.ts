// Tenant isolation lives in the database, not in handlers: every tenant table has a row-level security policy on
// app.workspace_id, and tenant work runs as the unprivileged role siyu_tenant. A query that forgets
// "WHERE workspace_id = ..." still sees only its own workspace's rows, and cannot write rows for another.
import type { Db, Queryable } from './db.ts';

export const TENANT_ROLE = 'siyu_tenant';

export interface TenantTx extends Queryable {
  readonly workspaceId: string;
}

// Workspace ids are generated (ws_…); anything else never reaches SQL text.
const WORKSPACE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function withTenant<T>(db: Db, workspaceId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
  if (!WORKSPACE_ID.test(workspaceId)) throw new Error(`not a workspace id: ${JSON.stringify(workspaceId)}`);
  // Set with BEGIN in one round trip: every tenant transaction pays for it.
  const setup = `SELECT set_config('app.workspace_id', '${workspaceId}', true), set_config('role', '${TENANT_ROLE}', true)`;
  return db.transaction((tx) => fn({ workspaceId, query: tx.query.bind(tx) }), setup);
}
