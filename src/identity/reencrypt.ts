// After a key rotation: re-encrypt identity's stored PII (identifier values, profile fields) that was sealed with an
// older key, in pages. Joined to the kernel's `reseal` hook point (`siyu pii rotate`).
import type { AppContext } from '../kernel/context.ts';

export async function reencryptAll(ctx: AppContext): Promise<{ identities: number; profiles: number }> {
  let identities = 0;
  let profiles = 0;
  for (;;) {
    const { rows } = await ctx.db.query<{ workspace_id: string; id_type: string; scope: string; value_hash: string; value_enc: string }>(
      `SELECT workspace_id, id_type, scope, value_hash, value_enc FROM identities WHERE value_enc NOT LIKE $1 LIMIT 1000`,
      [`${currentPrefix(ctx)}%`],
    );
    if (rows.length === 0) break;
    await ctx.db.transaction(async (tx) => {
      for (const r of rows) {
        await tx.query(`UPDATE identities SET value_enc = $5 WHERE workspace_id = $1 AND id_type = $2 AND scope = $3 AND value_hash = $4`, [
          r.workspace_id, r.id_type, r.scope, r.value_hash, ctx.pii.encrypt(ctx.pii.decrypt(r.value_enc)),
        ]);
      }
    });
    identities += rows.length;
  }
  for (;;) {
    const { rows } = await ctx.db.query<{ workspace_id: string; id: number; pii: Record<string, string> }>(
      `SELECT workspace_id, id, pii FROM customers WHERE EXISTS (SELECT 1 FROM jsonb_each_text(pii) e WHERE e.value NOT LIKE $1) LIMIT 1000`,
      [`${currentPrefix(ctx)}%`],
    );
    if (rows.length === 0) break;
    await ctx.db.transaction(async (tx) => {
      for (const r of rows) {
        const sealed = Object.fromEntries(Object.entries(r.pii).map(([k, v]) => [k, ctx.pii.isStale(v) ? ctx.pii.encrypt(ctx.pii.decrypt(v)) : v]));
        await tx.query(`UPDATE customers SET pii = $3 WHERE workspace_id = $1 AND id = $2`, [r.workspace_id, r.id, sealed]);
      }
    });
    profiles += rows.length;
  }
  return { identities, profiles };
}

function currentPrefix(ctx: AppContext): string {
  // Encrypt a probe to learn the current key version's prefix without reaching into the key ring.
  const probe = ctx.pii.encrypt('');
  return probe.slice(0, probe.indexOf(':') + 1);
}
