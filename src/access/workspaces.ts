// Workspaces (tenants), their operators and API keys. These run as the system role: they create tenants or
// authenticate requests before a tenant is known.
import crypto from 'node:crypto';
import type { Db } from '../kernel/db.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Role } from './roles.ts';
import { conflict } from '../kernel/errors.ts';

export const newId = (prefix: string, bytes = 9) => `${prefix}_${crypto.randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x').toLowerCase()}`;
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export interface CreatedWorkspace {
  id: string;
  name: string;
  writeKey: string;
  secretKey: string;
}

export async function createWorkspace(db: Db, name: string, opts: { timezone?: string } = {}): Promise<CreatedWorkspace> {
  const id = newId('ws');
  // A trigger gives the workspace its customer-id sequence (migrations/0014).
  await db.query(`INSERT INTO workspaces (id, name, timezone) VALUES ($1, $2, $3)`, [id, name, opts.timezone ?? 'Asia/Shanghai']);
  const writeKey = await createApiKey(db, id, 'write', 'Default write key');
  const secretKey = await createApiKey(db, id, 'secret', 'Default secret key', 'admin');
  return { id, name, writeKey: writeKey.key, secretKey: secretKey.key };
}

export async function createApiKey(db: Db, workspaceId: string, kind: 'write' | 'secret', name: string, role: Role = 'admin') {
  const key = `${kind === 'write' ? 'wk' : 'sk'}_${crypto.randomBytes(24).toString('base64url')}`;
  const id = newId('key');
  await db.query(
    `INSERT INTO api_keys (id, workspace_id, kind, name, prefix, key_hash, role) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
    [id, workspaceId, kind, name, key.slice(0, 7), sha256(key), role],
  );
  return { id, key, prefix: key.slice(0, 7) };
}

export async function findApiKey(db: Db, key: string): Promise<{ id: string; workspace_id: string; kind: 'write' | 'secret'; role: Role } | null> {
  const { rows } = await db.query<{ id: string; workspace_id: string; kind: 'write' | 'secret'; role: Role }>(
    `SELECT id, workspace_id, kind, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
    [sha256(key)],
  );
  return rows[0] ?? null;
}

export async function createOperator(db: Db, workspaceId: string, email: string, name: string, password: string, role: Role) {
  const normalized = email.trim().toLowerCase();
  const existing = await db.query<{ id: string }>(`SELECT id FROM operators WHERE email = $1`, [normalized]);
  let id = existing.rows[0]?.id;
  if (!id) {
    id = newId('op');
    await db.query(`INSERT INTO operators (id, email, name, password_hash) VALUES ($1,$2,$3,$4)`, [id, normalized, name, await hashPassword(password)]);
  }
  const inserted = await db.query(
    `INSERT INTO memberships (workspace_id, operator_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
    [workspaceId, id, role],
  );
  if (inserted.rowCount === 0) throw conflict(`${normalized} is already a member of this workspace`);
  return id;
}

const SESSION_DAYS = 7;

export async function login(db: Db, email: string, password: string): Promise<{ token: string; operatorId: string; workspaceId: string } | null> {
  const { rows } = await db.query<{ id: string; password_hash: string; workspace_id: string | null }>(
    `SELECT o.id, o.password_hash,
            (SELECT workspace_id FROM memberships m WHERE m.operator_id = o.id ORDER BY m.created_at LIMIT 1) AS workspace_id
       FROM operators o WHERE o.email = $1`,
    [email.trim().toLowerCase()],
  );
  const op = rows[0];
  // Verify against a dummy hash when the account is unknown, so timing does not reveal which emails exist.
  const ok = await verifyPassword(password, op?.password_hash ?? DUMMY_HASH);
  if (!op || !ok || !op.workspace_id) return null;
  const token = crypto.randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO sessions (token_hash, operator_id, workspace_id, expires_at) VALUES ($1, $2, $3, now() + interval '${SESSION_DAYS} days')`,
    [sha256(token), op.id, op.workspace_id],
  );
  return { token, operatorId: op.id, workspaceId: op.workspace_id };
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function findSession(db: Db, token: string) {
  const { rows } = await db.query<{ operator_id: string; workspace_id: string; role: Role; email: string; name: string; locale: string }>(
    `SELECT s.operator_id, s.workspace_id, m.role, o.email, o.name, o.locale
       FROM sessions s
       JOIN memberships m ON m.workspace_id = s.workspace_id AND m.operator_id = s.operator_id
       JOIN operators o ON o.id = s.operator_id
      WHERE s.token_hash = $1 AND s.expires_at > now()`,
    [sha256(token)],
  );
  return rows[0] ?? null;
}

export async function logout(db: Db, token: string) {
  await db.query(`DELETE FROM sessions WHERE token_hash = $1`, [sha256(token)]);
}
