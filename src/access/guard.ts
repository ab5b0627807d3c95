// Every route declares who may call it, in its config, and this one hook enforces it together with the tenant
// transaction, so a handler cannot forget either:
//   config: { permission: 'journeys:manage' }   signed-in operators or secret keys whose role holds the permission;
//                                               the handler runs inside the workspace's transaction (req.tx)
//   config: { permission: 'tracking' }          write keys (Segment's convention) and secret keys; no transaction
//   config: { permission: 'public' }            anyone (login, tracked links, health)
// `tenantTx: false` leaves the transaction to the handler (long work in several transactions, streamed answers,
// DuckDB queries that must not hold a database connection); it still gets the checked actor.
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { AppContext } from '../kernel/context.ts';
import { withTenant, type TenantTx } from '../kernel/tenant.ts';
import { forbidden } from '../kernel/errors.ts';
import type { Actor } from './actor.ts';
import { can, isPermission, type Permission } from './roles.ts';
import { manageActor, writeActor } from './auth.ts';

export type RouteAccess = 'public' | 'tracking' | Permission;

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: RouteAccess;
    /** Default true for routes with a permission: the handler runs inside the workspace's tenant transaction. */
    tenantTx?: boolean;
  }
  interface FastifyRequest {
    actor: Actor | null;
    /** The workspace's transaction this request runs in (routes with a permission, unless tenantTx is false). */
    tx: TenantTx;
    /** Runs after the request's transaction commits and before the answer is sent: announce changes, wake workers. */
    afterCommit(fn: () => void | Promise<void>): void;
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  permission: RouteAccess | undefined;
  /** Whether the route declares the schema of its answers (every route should: the console's types come from them). */
  responseSchema: boolean;
  hidden: boolean;
}

/** Installs the guard; call before any route is registered. Returns the table of routes as they are registered. */
export function installRouteGuard(app: FastifyInstance, ctx: AppContext): DeclaredRoute[] {
  const table: DeclaredRoute[] = [];
  app.decorateRequest('actor', null);
  app.decorateRequest('tx', null as unknown as TenantTx);
  app.decorateRequest('afterCommit', null as unknown as (fn: () => void | Promise<void>) => void);

  app.addHook('onRoute', (route: RouteOptions) => {
    const permission = route.config?.permission;
    const schema = route.schema as { response?: unknown; hide?: boolean } | undefined;
    for (const method of [route.method].flat()) table.push({ method, url: route.url, permission, responseSchema: !!schema?.response, hidden: !!schema?.hide });
    // Plugins' own pages (/docs) declare nothing and are public by nature; the API may not forget.
    if (!permission) {
      if (route.url.startsWith('/v1/')) throw new Error(`${[route.method].flat().join(',')} ${route.url} declares no config.permission`);
      return;
    }
    if (permission !== 'public' && permission !== 'tracking' && !isPermission(permission)) {
      throw new Error(`${route.url} declares unknown permission ${permission}: add it to a module's permissions`);
    }
    if (permission === 'public' || permission === 'tracking' || route.config?.tenantTx === false) return;
    const handler = route.handler;
    route.handler = async function (req, reply) {
      const actor = req.actor!;
      const after: (() => void | Promise<void>)[] = [];
      req.afterCommit = (fn) => void after.push(fn);
      const result = await withTenant(ctx.db, actor.workspaceId, async (tx) => {
        after.length = 0; // a transaction retried after a serialization failure runs the handler again
        req.tx = tx;
        return handler.call(this, req, reply);
      });
      for (const fn of after) await fn();
      return result;
    };
  });

  // Identify before validation, so an unauthenticated caller learns nothing about the body it would have to send.
  app.addHook('preValidation', async (req) => {
    const permission = req.routeOptions.config?.permission ?? 'public';
    if (permission === 'public') return;
    if (permission === 'tracking') {
      req.actor = await writeActor(ctx, req);
      return;
    }
    const actor = await manageActor(ctx, req);
    if (!can(actor.role, permission)) throw forbidden(`Your role (${actor.role}) may not ${permission.replace(':', ' ')}`);
    req.actor = actor;
  });
  return table;
}
