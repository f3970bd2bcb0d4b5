// The outbox and event log: events are appended inside the state change's
// transaction, relayed once, and stay queryable.
import type { EventEnvelope, EventType } from './event.js';

export interface EventFilter {
  readonly types?: readonly EventType[];
  readonly subjectId?: string;
  readonly since?: number;
  readonly until?: number;
}

export interface EventStore {
  append(events: readonly EventEnvelope[]): Promise<void>;
  /** Oldest not yet published, in id order. */
  unpublished(limit: number): Promise<EventEnvelope[]>;
  markPublished(ids: readonly string[], at: number): Promise<void>;
  list(
    filter: EventFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: EventEnvelope[]; nextAfterId: string | undefined }>;
}
