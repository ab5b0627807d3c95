// Payloads of the access routes: one schema each, for validation, the OpenAPI document and the console's types.
import { z } from 'zod';
import { instant, jsonObject } from '../kernel/http/schemas.ts';
import { ROLES } from './roles.ts';

export const loginBody = z.object({ email: z.string().email('must be an email address'), password: z.string().min(1, 'is required').max(200) });

export const navEntrySchema = z.object({
  path: z.string(),
  label: z.string(),
  group: z.enum(['data', 'understand', 'reach', 'operate', 'admin']),
  order: z.number(),
  icon: z.string(),
});

export const meSchema = z.object({
  actor: z.object({
    type: z.enum(['operator', 'api_key', 'system']), id: z.string(), role: z.enum(ROLES),
    email: z.string().nullable(), name: z.string().nullable(), locale: z.string(),
  }),
  workspace: z.object({ id: z.string(), name: z.string(), timezone: z.string() }),
  permissions: z.array(z.string()),
  /** The console's navigation: every module's entries this role may open. */
  nav: z.array(navEntrySchema),
}).meta({ id: 'Me' });

export const apiKeySchema = z.object({
  id: z.string(), kind: z.enum(['write', 'secret']), name: z.string(), prefix: z.string(), role: z.enum(ROLES),
  created_at: instant, revoked_at: instant.nullable(),
}).meta({ id: 'ApiKey' });

export const createKeyBody = z.object({ kind: z.enum(['write', 'secret']), name: z.string().min(1).max(100), role: z.enum(ROLES).default('admin') });

export const createdKeySchema = z.object({ id: z.string(), key: z.string(), prefix: z.string() });

export const auditEntrySchema = z.object({
  id: z.number(), at: instant, actor_type: z.string(), actor_id: z.string(), action: z.string(),
  target_type: z.string().nullable(), target_id: z.string().nullable(), details: jsonObject,
}).meta({ id: 'AuditEntry' });
