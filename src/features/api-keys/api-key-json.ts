// An admin API key as the admin API shows it: never the hash. The key itself
// appears only in the creation response.
import { z } from 'zod';
import {
  isoTime,
  isoTimeOrNull,
  isoTimeOrNullSchema,
  isoTimeSchema,
} from '../../transports/http/json-values.js';
import { ROLES, type ApiKey, type Principal, type Role } from './api-key.js';

export const apiKeyJsonSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES as [Role, ...Role[]]),
  hint: z.string().describe('The first characters of the key, for recognising it'),
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  expiresAt: isoTimeOrNullSchema,
  revokedAt: isoTimeOrNullSchema,
  lastUsedAt: isoTimeOrNullSchema,
  state: z.enum(['active', 'expired', 'revoked']),
});

export const createdApiKeyJsonSchema = apiKeyJsonSchema.extend({
  key: z.string().describe('The API key. Shown only in this response; store it now'),
});

export function apiKeyJson(key: ApiKey, nowMs: number): z.output<typeof apiKeyJsonSchema> {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    hint: key.hint,
    createdAt: isoTime(key.createdAt),
    createdBy: key.createdBy,
    expiresAt: isoTimeOrNull(key.expiresAt),
    revokedAt: isoTimeOrNull(key.revokedAt),
    lastUsedAt: isoTimeOrNull(key.lastUsedAt),
    state:
      key.revokedAt !== null
        ? 'revoked'
        : key.expiresAt !== null && key.expiresAt <= nowMs
          ? 'expired'
          : 'active',
  };
}

export const principalJsonSchema = z.strictObject({
  actor: z.string().describe('`api_key:<id>`, as audit entries and events name it'),
  name: z.string(),
  role: z.enum(ROLES as [Role, ...Role[]]),
});

export function principalJson(principal: Principal): z.output<typeof principalJsonSchema> {
  return { actor: principal.actor, name: principal.name, role: principal.role };
}
