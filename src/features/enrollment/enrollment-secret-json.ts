// An enrollment secret as the admin API shows it: the record and its state,
// never the hash. The secret itself appears only in the creation response.
import { z } from 'zod';
import {
  isoTime,
  isoTimeOrNull,
  isoTimeOrNullSchema,
  isoTimeSchema,
} from '../../transports/http/json-values.js';
import type { EnrollmentSecret, EnrollmentSecretState } from './enrollment-secret.js';

export const enrollmentSecretJsonSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  hint: z.string().describe('The first characters of the secret, for recognising it'),
  groupId: z.string().nullable(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  expiresAt: isoTimeOrNullSchema,
  revokedAt: isoTimeOrNullSchema,
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  state: z.enum(['active', 'expired', 'exhausted', 'revoked']),
});

export const createdEnrollmentSecretJsonSchema = enrollmentSecretJsonSchema.extend({
  secret: z.string().describe('The secret agents enroll with. Shown only in this response; store it now'),
});

export function enrollmentSecretJson(
  secret: EnrollmentSecret,
  state: EnrollmentSecretState,
): z.output<typeof enrollmentSecretJsonSchema> {
  return {
    id: secret.id,
    name: secret.name,
    hint: secret.hint,
    groupId: secret.groupId,
    maxUses: secret.maxUses,
    uses: secret.uses,
    expiresAt: isoTimeOrNull(secret.expiresAt),
    revokedAt: isoTimeOrNull(secret.revokedAt),
    createdAt: isoTime(secret.createdAt),
    createdBy: secret.createdBy,
    state,
  };
}
