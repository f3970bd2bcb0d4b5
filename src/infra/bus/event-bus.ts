// The event bus port. The outbox relay publishes committed events; consumers
// subscribe by event type pattern (`*` for all, `agent_*` for a prefix, or one
// exact type). Delivery is at least once: a subscriber sees each event id once
// because every implementation de-duplicates by id (see deduplicator.ts).
import type { EventEnvelope } from '../../features/events/event.js';
import { invalidArgument } from '../../shared/errors.js';

export type EventHandler = (event: EventEnvelope) => void | Promise<void>;

/** Ends a subscription; resolves once no more events reach its handler. */
export type Unsubscribe = () => Promise<void>;

export interface EventBus {
  /**
   * Resolves once the bus has accepted every event (for a broker: confirmed
   * them all); rejects otherwise, and then the caller keeps the events.
   */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Resolves once events published from now on reach the handler. */
  subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe>;
  /** Resolves when the bus can take events now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PATTERN = /^(?:\*|[a-z][a-z0-9_]*\*?)$/;

/** Throws unless the pattern is `*`, an event type, or a type prefix ending in `*`. */
export function assertPattern(pattern: string): void {
  if (!PATTERN.test(pattern)) {
    throw invalidArgument(
      `event pattern ${JSON.stringify(pattern)} must be *, an event type or a prefix such as agent_*`,
    );
  }
}

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
