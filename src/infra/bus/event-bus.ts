// The event bus port. The outbox relay publishes committed events; consumers
// subscribe by event type pattern (`*` for all, `agent_*` for a prefix).
import type { EventEnvelope } from '../../features/events/event.js';

export type EventHandler = (event: EventEnvelope) => void | Promise<void>;

export interface EventBus {
  /** Resolves once the bus has accepted every event (a broker confirm, later). */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  subscribe(pattern: string, handler: EventHandler): () => void;
  close(): Promise<void>;
}

export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
