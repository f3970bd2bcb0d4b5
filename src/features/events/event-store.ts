// The outbox and event log: events are appended inside the state change's
// transaction, relayed once, and stay queryable.
import type { EventEnvelope, EventType } from './event.js';

export interface EventFilter {
  readonly types?: readonly EventType[];
  readonly subjectId?: string;
  readonly since?: number;
  readonly until?: number;
}

/** What waits in the outbox: how far the relay is behind the commits. */
export interface OutboxBacklog {
  /** Unpublished events, counted up to the limit asked for (a bounded read of the outbox index). */
  readonly events: number;
  /** When the oldest unpublished event (by id) occurred; undefined when the outbox is empty. */
  readonly oldestOccurredAt: number | undefined;
}

export interface EventStore {
  append(events: readonly EventEnvelope[]): Promise<void>;
  /** Oldest not yet published, in id order. */
  unpublished(limit: number): Promise<EventEnvelope[]>;
  markPublished(ids: readonly string[], at: number): Promise<void>;
  /** The outbox's size (counted up to `countLimit`) and the age of its head, for the lag gauges. */
  backlog(countLimit: number): Promise<OutboxBacklog>;
  list(
    filter: EventFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: EventEnvelope[]; nextAfterId: string | undefined }>;
}
