// Event envelope <-> broker message, shared by every broker adapter, so that
// the AMQP bus and a future Kafka producer put the same bytes on the wire:
//   body      the envelope as UTF-8 JSON (content type application/json)
//   headers   schema version, event type and id, subject kind, as strings
//   key       `<subject kind>:<subject id>`: Kafka's partition key, so that
//             the events of one agent or command stay in order
//   routing   the event type (the AMQP routing key, a Kafka header)
// Decoding validates the envelope's shape and keeps fields it does not know
// (a newer schema version), so a consumer can decide what to do with them.
import { z } from 'zod';
import type { EventEnvelope, EventType } from '../../features/events/event.js';
import { invalidArgument } from '../../shared/errors.js';

export const EVENT_CONTENT_TYPE = 'application/json';

export const EventHeader = {
  SchemaVersion: 'corral-schema-version',
  EventType: 'corral-event-type',
  EventId: 'corral-event-id',
  SubjectKind: 'corral-subject-kind',
} as const;

export interface EncodedEvent {
  readonly id: string;
  readonly type: EventType;
  readonly key: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** When the event occurred, in milliseconds since the epoch. */
  readonly occurredAt: number;
}

export function encodeEvent(event: EventEnvelope): EncodedEvent {
  return {
    id: event.id,
    type: event.type,
    key: `${event.subject.kind}:${event.subject.id}`,
    body: Buffer.from(JSON.stringify(event), 'utf8'),
    headers: {
      [EventHeader.SchemaVersion]: String(event.schemaVersion),
      [EventHeader.EventType]: event.type,
      [EventHeader.EventId]: event.id,
      [EventHeader.SubjectKind]: event.subject.kind,
    },
    occurredAt: event.occurredAt,
  };
}

const envelopeShape = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  occurredAt: z.number(),
  subject: z.looseObject({ kind: z.string().min(1), id: z.string() }),
  actor: z.string(),
  data: z.record(z.string(), z.unknown()),
});

/** The envelope in a message body; throws invalid_argument when it is not one. */
export function decodeEvent(body: Uint8Array): EventEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw invalidArgument('event message body is not JSON');
  }
  const result = envelopeShape.safeParse(parsed);
  if (!result.success) {
    throw invalidArgument(
      'event message body is not an event envelope',
      result.error.issues.map((issue) => ({ field: issue.path.join('.'), description: issue.message })),
    );
  }
  // Types this build does not know pass through: a newer instance may publish them.
  return parsed as EventEnvelope;
}
