// An audit entry as the admin API shows it. Entries never hold secrets.
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import type { AuditEntry } from './audit-entry.js';

export const auditEntryJsonSchema = z.strictObject({
  id: z.string(),
  at: isoTimeSchema,
  actor: z.string().describe('api_key:<id> or system'),
  actorName: z.string(),
  action: z.string().describe('e.g. agent.unregister, enrollment_secret.create'),
  targetKind: z.string(),
  targetId: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  errorCode: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export function auditEntryJson(entry: AuditEntry): z.output<typeof auditEntryJsonSchema> {
  return {
    id: entry.id,
    at: isoTime(entry.at),
    actor: entry.actor,
    actorName: entry.actorName,
    action: entry.action,
    targetKind: entry.targetKind,
    targetId: entry.targetId,
    outcome: entry.outcome,
    errorCode: entry.errorCode,
    requestId: entry.requestId,
    details: { ...entry.details },
  };
}
