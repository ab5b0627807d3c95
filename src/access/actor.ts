// Who is making a request: an operator (session cookie), a management API key, or a tracking write key.
import type { Role } from './roles.ts';

export interface Actor {
  type: 'operator' | 'api_key' | 'system';
  id: string;
  workspaceId: string;
  role: Role;
}
