// Builds event envelopes with ids and times from the injected sources.
import type { Clock } from '../../shared/clock.js';
import type { IdSource } from '../../shared/ids.js';
import { EVENT_SCHEMA_VERSION, type EventEnvelope, type EventType } from './event.js';

export class EventFactory {
  constructor(
    private readonly ids: IdSource,
    private readonly clock: Clock,
  ) {}

  make<T extends Record<string, unknown>>(
    type: EventType,
    subject: EventEnvelope['subject'],
    actor: string,
    data: T,
    occurredAt: number = this.clock.now(),
  ): EventEnvelope<T> {
    return {
      id: this.ids.next(),
      type,
      schemaVersion: EVENT_SCHEMA_VERSION,
      occurredAt,
      subject,
      actor,
      data,
    };
  }
}
