// Who is calling. Derived from the route's declared permission (guard.ts):
//  'tracking' — a write key as HTTP basic auth username (Segment's convention) or `writeKey` in the body (a secret key works too);
//  a permission — an operator session cookie or `Authorization: Bearer <secret key>`;
//  'public'   — nobody in particular.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../kernel/context.ts';
import type { Actor } from './actor.ts';
import { findApiKey, findSession } from './workspaces.ts';
import { can, type Permission } from './roles.ts';
import { AppError, forbidden, unauthorized } from '../kernel/errors.ts';
import { CredentialCache } from './credential-cache.ts';

export const SESSION_COOKIE = 'siyu_session';

type FoundKey = NonNullable<Awaited<ReturnType<typeof findApiKey>>>;
/** Keys seen recently; revoking a key clears it (apiKeys.clear() in the access routes). */
export const apiKeys = new CredentialCache<FoundKey>();

export async function writeActor(ctx: AppContext, req: FastifyRequest): Promise<Actor> {
  const header = req.headers.authorization;
  let key: string | undefined;
  if (header?.startsWith('Basic ')) key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  else if (header?.startsWith('Bearer ')) key = header.slice(7);
  key ||= (req.body as any)?.writeKey;
  if (!key) throw unauthorized('Missing write key: send it as the HTTP basic auth username (Segment SDK convention)');
  const found = await apiKeys.get(key, () => findApiKey(ctx.db, key));
  // A back end holding a secret key may send data too; a write key can never read anything.
  if (!found) throw unauthorized('Invalid write key: copy it from 设置 → API keys, or run `siyu workspace create`');
  return { type: 'api_key', id: found.id, workspaceId: found.workspace_id, role: found.kind === 'secret' ? found.role : 'operator' };
}

export async function manageActor(ctx: AppContext, req: FastifyRequest): Promise<Actor> {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const secret = header.slice(7);
    const found = await apiKeys.get(secret, () => findApiKey(ctx.db, secret));
    if (!found || found.kind !== 'secret') throw unauthorized('Invalid secret key: management calls need a secret key (sk_...), not a write key');
    return { type: 'api_key', id: found.id, workspaceId: found.workspace_id, role: found.role };
  }
  const token = req.cookies?.[SESSION_COOKIE];
  if (!token) throw unauthorized('Not signed in: log in to the console or send Authorization: Bearer <secret key>');
  const session = await findSession(ctx.db, token);
  if (!session) throw unauthorized('Session expired: log in again');
  return {
    type: 'operator', id: session.operator_id, workspaceId: session.workspace_id, role: session.role,
    operator: { email: session.email, name: session.name, locale: session.locale },
  };
}

/** The caller of a route that declares a permission or 'tracking'. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError(500, 'no_actor', 'route declares no permission');
  return req.actor;
}

/** For a second check inside a handler (e.g. PII reveal on a route readable by more roles). */
export function requirePermission(req: FastifyRequest, permission: Permission): Actor {
  const actor = actorOf(req);
  if (!can(actor.role, permission)) throw forbidden(`Your role (${actor.role}) may not ${permission.replace(':', ' ')}`);
  return actor;
}
