// Roles and what each may do. Checked by routes through `requirePermission`, and by the data layer for PII reads.
export const ROLES = ['owner', 'admin', 'analyst', 'operator', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'customers:read'
  | 'customers:write'
  | 'pii:read'
  | 'identity:merge'
  | 'identity:rules'
  | 'imports:write'
  | 'keys:manage'
  | 'members:manage'
  | 'audit:read'
  | 'loyalty:manage'
  | 'loyalty:operate'
  | 'journeys:manage'
  | 'channels:manage'
  | 'messages:send';

const GRANTS: Record<Permission, Role[]> = {
  'customers:read': ['owner', 'admin', 'analyst', 'operator', 'staff'],
  'customers:write': ['owner', 'admin', 'operator'],
  'pii:read': ['owner', 'admin'],
  'identity:merge': ['owner', 'admin'],
  'identity:rules': ['owner', 'admin'],
  'imports:write': ['owner', 'admin', 'operator'],
  'keys:manage': ['owner', 'admin'],
  'members:manage': ['owner'],
  'audit:read': ['owner', 'admin'],
  'loyalty:manage': ['owner', 'admin'],
  'loyalty:operate': ['owner', 'admin', 'operator', 'staff'],
  'journeys:manage': ['owner', 'admin', 'operator'],
  'channels:manage': ['owner', 'admin'],
  'messages:send': ['owner', 'admin', 'operator', 'staff'],
};

export const can = (role: Role, permission: Permission) => GRANTS[permission].includes(role);

export const permissionsOf = (role: Role) => (Object.keys(GRANTS) as Permission[]).filter((p) => can(role, p));
