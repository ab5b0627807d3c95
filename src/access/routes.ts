import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { actorOf, apiKeys, requirePermission, SESSION_COOKIE } from '../http/auth.ts';
import { unauthorized } from '../kernel/errors.ts';
import { audit } from './audit.ts';
import { permissionsOf, ROLES } from './roles.ts';
import { createApiKey, findSession, login, logout } from './workspaces.ts';

export function registerAccessRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/auth/login', {
    config: { auth: 'public' },
    schema: {
      tags: ['access'], summary: 'Operator login; sets the session cookie',
      body: z.object({ email: z.string().email('must be an email address'), password: z.string().min(1, 'is required').max(200) }),
    },
  }, async (req, reply) => {
    const session = await login(ctx.db, req.body.email, req.body.password);
    if (!session) throw unauthorized('Wrong email or password');
    await withTenant(ctx.db, session.workspaceId, (tx) =>
      audit(tx, { type: 'operator', id: session.operatorId, workspaceId: session.workspaceId, role: 'staff' }, 'auth.login', null),
    );
    reply.setCookie(SESSION_COOKIE, session.token, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https', maxAge: 7 * 86400 });
    return { ok: true };
  });

  r.post('/v1/auth/logout', { config: { auth: 'public' }, schema: { tags: ['access'], summary: 'End the session' } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx.db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  r.get('/v1/auth/me', { config: { auth: 'manage' }, schema: { tags: ['access'], summary: 'Who am I, in which workspace, with which permissions' } }, async (req) => {
    const actor = actorOf(req);
    const ws = await withTenant(ctx.db, actor.workspaceId, (tx) => tx.query<{ id: string; name: string; timezone: string }>(`SELECT id, name, timezone FROM workspaces`));
    const session = actor.type === 'operator' ? await findSession(ctx.db, req.cookies[SESSION_COOKIE]!) : null;
    return {
      actor: { type: actor.type, id: actor.id, role: actor.role, email: session?.email ?? null, name: session?.name ?? null, locale: session?.locale ?? 'zh-CN' },
      workspace: ws.rows[0],
      permissions: permissionsOf(actor.role),
    };
  });

  r.get('/v1/api-keys', { config: { auth: 'manage' }, schema: { tags: ['access'], summary: 'API keys of this workspace (never the keys themselves)' } }, async (req) => {
    const actor = requirePermission(req, 'keys:manage');
    return withTenant(ctx.db, actor.workspaceId, async (tx) => ({
      keys: (await tx.query(`SELECT id, kind, name, prefix, role, created_at, revoked_at FROM api_keys ORDER BY created_at`)).rows,
    }));
  });

  r.post('/v1/api-keys', {
    config: { auth: 'manage' },
    schema: {
      tags: ['access'], summary: 'Create a key; the key is shown once',
      body: z.object({ kind: z.enum(['write', 'secret']), name: z.string().min(1).max(100), role: z.enum(ROLES).default('admin') }),
    },
  }, async (req) => {
    const actor = requirePermission(req, 'keys:manage');
    const created = await createApiKey(ctx.db, actor.workspaceId, req.body.kind, req.body.name, req.body.kind === 'secret' ? req.body.role : 'operator');
    await withTenant(ctx.db, actor.workspaceId, (tx) => audit(tx, actor, 'api_key.create', { type: 'api_key', id: created.id }, { kind: req.body.kind, name: req.body.name }));
    return created;
  });

  r.delete('/v1/api-keys/:id', {
    config: { auth: 'manage' },
    schema: { tags: ['access'], summary: 'Revoke a key', params: z.object({ id: z.string() }) },
  }, async (req) => {
    const actor = requirePermission(req, 'keys:manage');
    const revoked = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const res = await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [req.params.id]);
      await audit(tx, actor, 'api_key.revoke', { type: 'api_key', id: req.params.id });
      return res.rowCount === 1;
    });
    apiKeys.clear(); // after the commit, so no request can cache the key again as still valid
    return { revoked };
  });

  r.get('/v1/audit', {
    config: { auth: 'manage' },
    schema: { tags: ['access'], summary: 'Audit log: operator changes and PII reads', querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  }, async (req) => {
    const actor = requirePermission(req, 'audit:read');
    return withTenant(ctx.db, actor.workspaceId, async (tx) => ({
      entries: (await tx.query(`SELECT id, at, actor_type, actor_id, action, target_type, target_id, details FROM audit_log ORDER BY id DESC LIMIT $1`, [req.query.limit])).rows,
    }));
  });
}
