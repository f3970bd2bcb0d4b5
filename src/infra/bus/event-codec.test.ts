import { describe, expect, it } from 'vitest';
import { EVENT_SCHEMA_VERSION, type EventEnvelope } from '../../features/events/event.js';
import { ErrorCode } from '../../shared/errors.js';
import { decodeEvent, encodeEvent, EventHeader } from './event-codec.js';

const event: EventEnvelope = {
  id: '01JZ0000000000000000000001',
  type: 'command_status_changed',
  schemaVersion: EVENT_SCHEMA_VERSION,
  occurredAt: Date.UTC(2026, 0, 1, 12, 0, 0, 345),
  subject: { kind: 'command', id: 'c1' },
  actor: 'agent:a1',
  data: { from: 'dispatched', to: 'running', nested: { list: [1, 'two', null] } },
};

describe('event codec', () => {
  it('encodes the envelope as JSON with headers, the subject as key and the type for routing', () => {
    const encoded = encodeEvent(event);
    expect(encoded.id).toBe(event.id);
    expect(encoded.type).toBe('command_status_changed');
    expect(encoded.key).toBe('command:c1');
    expect(encoded.occurredAt).toBe(event.occurredAt);
    expect(encoded.headers).toEqual({
      [EventHeader.SchemaVersion]: '1',
      [EventHeader.EventType]: 'command_status_changed',
      [EventHeader.EventId]: event.id,
      [EventHeader.SubjectKind]: 'command',
    });
    expect(JSON.parse(encoded.body.toString('utf8'))).toEqual(event);
  });

  it('decodes what it encodes, and keeps fields a newer schema added', () => {
    expect(decodeEvent(encodeEvent(event).body)).toEqual(event);
    const newer = { ...event, schemaVersion: 2, trace: 'abc' };
    expect(decodeEvent(Buffer.from(JSON.stringify(newer)))).toEqual(newer);
  });

  it('refuses bodies that are not JSON or not an envelope, naming the fields', () => {
    expect(() => decodeEvent(Buffer.from('{not json'))).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    try {
      decodeEvent(Buffer.from(JSON.stringify({ ...event, id: '', schemaVersion: 0 })));
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.InvalidArgument });
      expect((error as { violations: { field: string }[] }).violations.map((v) => v.field).sort()).toEqual([
        'id',
        'schemaVersion',
      ]);
    }
  });
});
