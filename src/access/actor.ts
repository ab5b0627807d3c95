// Who is making a request: an operator (session cookie), a management API key, or a tracking write key.
import type { Role } from './roles.ts';

export interface Actor {
  type: 'operator' | 'api_key' | 'system';
  id: string;
  workspaceId: string;
  role: Role;
  /** For operators: who they are, as their session found them. */
  operator?: { email: string; name: string; locale: string };
}

/** How an actor is named in ledgers and history rows: `operator:op_…`, `api_key:key_…`. */
export const actorName = (a: Pick<Actor, 'type' | 'id'>) => `${a.type}:${a.id}`;
