// Roles and what each may do. Routes declare the permission they need (guard.ts); the data layer checks pii:read for
// reveals. Each module declares its own permissions with the built-in roles granted each (CapabilityModule.permissions);
// these are access's own and those of the capabilities that came before modules declared theirs.
export const ROLES = ['owner', 'admin', 'analyst', 'operator', 'staff'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Every permission's name. A module adds its own by declaration merging:
 *   declare module '../access/roles.ts' { interface PermissionMap { 'wecom:manage': true } }
 */
export interface PermissionMap {
  'customers:read': true;
  'customers:write': true;
  'pii:read': true;
  'identity:merge': true;
  'identity:rules': true;
  'imports:write': true;
  'keys:manage': true;
  'members:manage': true;
  'audit:read': true;
  'loyalty:manage': true;
  'loyalty:operate': true;
  'journeys:manage': true;
  'channels:manage': true;
  'messages:send': true;
}
export type Permission = keyof PermissionMap & string;

const GRANTS = new Map<string, readonly Role[]>([
  ['keys:manage', ['owner', 'admin']],
  ['members:manage', ['owner']],
  ['audit:read', ['owner', 'admin']],
  ['pii:read', ['owner', 'admin']],
]);

/** Adds a module's permissions (at start, from CapabilityModule.permissions). */
export function grantPermissions(grants: Record<string, readonly string[]>): void {
  for (const [permission, roles] of Object.entries(grants)) {
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length) throw new Error(`permission ${permission} grants unknown roles ${unknown.join(', ')}`);
    GRANTS.set(permission, roles as readonly Role[]);
  }
}

export const isPermission = (name: string): name is Permission => GRANTS.has(name);

export const can = (role: Role, permission: Permission) => GRANTS.get(permission)?.includes(role) ?? false;

export const permissionsOf = (role: Role) => [...GRANTS.keys()].filter((p) => can(role, p as Permission)) as Permission[];
