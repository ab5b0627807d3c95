// Signing in and out, who am I (with the console's navigation), API keys and the audit log.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../kernel/context.ts';
import { withTenant } from '../kernel/tenant.ts';
import { unauthorized } from '../kernel/errors.ts';
import { okSchema } from '../kernel/http/schemas.ts';
import { actorOf, apiKeys, SESSION_COOKIE } from './auth.ts';
import { audit } from './audit.ts';
import { can, permissionsOf, type Permission } from './roles.ts';
import { createApiKey, login, logout } from './workspaces.ts';
import { apiKeySchema, auditEntrySchema, createdKeySchema, createKeyBody, loginBody, meSchema } from './schemas.ts';

export function registerAccessRoutes(app: FastifyInstance, ctx: AppContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/auth/login', {
    config: { permission: 'public' },
    schema: {
      tags: ['access'], summary: 'Operator login; sets the session cookie',
      body: loginBody, response: { 200: okSchema },
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

  r.post('/v1/auth/logout', { config: { permission: 'public' }, schema: { tags: ['access'], summary: 'End the session', response: { 200: okSchema } } }, async (req, reply) => {
    const token = req.cookies[SESSION_COOKIE];
    if (token) await logout(ctx.db, token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  // Every role holds customers:read, so everyone signed in may ask who they are.
  r.get('/v1/auth/me', {
    config: { permission: 'customers:read' },
    schema: { tags: ['access'], summary: 'Who am I, in which workspace, with which permissions, and what the console shows me', response: { 200: meSchema } },
  }, async (req) => {
    const actor = actorOf(req);
    const ws = await req.tx.query<{ id: string; name: string; timezone: string }>(`SELECT id, name, timezone FROM workspaces`);
    const nav = ctx.modules.flatMap((m) => m.nav ?? []).filter((n) => can(actor.role, n.permission as Permission)).sort((a, b) => a.order - b.order);
    return {
      actor: { type: actor.type, id: actor.id, role: actor.role, email: actor.operator?.email ?? null, name: actor.operator?.name ?? null, locale: actor.operator?.locale ?? 'zh-CN' },
      workspace: ws.rows[0],
      permissions: permissionsOf(actor.role),
      nav: nav.map(({ path, label, group, order, icon }) => ({ path, label, group, order, icon })),
    };
  });

  r.get('/v1/api-keys', {
    config: { permission: 'keys:manage' },
    schema: { tags: ['access'], summary: 'API keys of this workspace (never the keys themselves)', response: { 200: z.object({ keys: z.array(apiKeySchema) }) } },
  }, async (req) => ({
    keys: (await req.tx.query<z.input<typeof apiKeySchema>>(`SELECT id, kind, name, prefix, role, created_at, revoked_at FROM api_keys ORDER BY created_at`)).rows,
  }));

  r.post('/v1/api-keys', {
    config: { permission: 'keys:manage', tenantTx: false },
    schema: {
      tags: ['access'], summary: 'Create a key; the key is shown once',
      body: createKeyBody, response: { 200: createdKeySchema },
    },
  }, async (req) => {
    const actor = actorOf(req);
    const created = await createApiKey(ctx.db, actor.workspaceId, req.body.kind, req.body.name, req.body.kind === 'secret' ? req.body.role : 'operator');
    await withTenant(ctx.db, actor.workspaceId, (tx) => audit(tx, actor, 'api_key.create', { type: 'api_key', id: created.id }, { kind: req.body.kind, name: req.body.name }));
    return created;
  });

  r.delete('/v1/api-keys/:id', {
    config: { permission: 'keys:manage', tenantTx: false },
    schema: { tags: ['access'], summary: 'Revoke a key', params: z.object({ id: z.string() }), response: { 200: z.object({ revoked: z.boolean() }) } },
  }, async (req) => {
    const actor = actorOf(req);
    const revoked = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
      const res = await tx.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [req.params.id]);
      await audit(tx, actor, 'api_key.revoke', { type: 'api_key', id: req.params.id });
      return res.rowCount === 1;
    });
    apiKeys.clear(); // after the commit, so no request can cache the key again as still valid
    return { revoked };
  });

  r.get('/v1/audit', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['access'], summary: 'Audit log: operator changes and PII reads',
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }), response: { 200: z.object({ entries: z.array(auditEntrySchema) }) },
    },
  }, async (req) => ({
    entries: (await req.tx.query<z.input<typeof auditEntrySchema>>(
      `SELECT id, at, actor_type, actor_id, action, target_type, target_id, details FROM audit_log ORDER BY id DESC LIMIT $1`, [req.query.limit])).rows,
  }));
}
