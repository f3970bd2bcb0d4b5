// An event as the admin API shows it. Event data never holds secrets (events
// describe state changes, not credentials).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import { EventType, type EventEnvelope } from './event.js';

export const EVENT_TYPES = Object.values(EventType);

export const eventJsonSchema = z.strictObject({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  schemaVersion: z.number().int(),
  occurredAt: isoTimeSchema,
  subject: z.strictObject({
    kind: z.enum([
      'agent',
      'session',
      'enrollment_secret',
      'api_key',
      'command',
      'command_type',
      'group',
      'policy',
      'configuration',
      'backup',
    ]),
    id: z.string(),
  }),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export function eventJson(event: EventEnvelope): z.output<typeof eventJsonSchema> {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    occurredAt: isoTime(event.occurredAt),
    subject: { kind: event.subject.kind, id: event.subject.id },
    actor: event.actor,
    data: event.data,
  };
}
