// The embedded event bus: delivers in process, in publish order, each event id
// once per subscriber. A failing handler is reported and does not stop delivery
// to the others; nothing is redelivered (there is no broker to hold it).
import type { EventEnvelope } from '../../features/events/event.js';
import { unavailable } from '../../shared/errors.js';
import { Deduplicator } from './deduplicator.js';
import {
  assertPattern,
  matchesPattern,
  type EventBus,
  type EventHandler,
  type Unsubscribe,
} from './event-bus.js';

interface Subscription {
  readonly pattern: string;
  readonly handler: EventHandler;
  readonly seen: Deduplicator;
}

export class MemoryEventBus implements EventBus {
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  constructor(private readonly onHandlerError: (error: unknown, event: EventEnvelope) => void) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    if (this.closed) throw unavailable('the event bus is closed');
    for (const event of events) {
      for (const subscription of this.subscriptions) {
        if (!matchesPattern(subscription.pattern, event.type)) continue;
        try {
          await subscription.seen.run(event, subscription.handler);
        } catch (error) {
          this.onHandlerError(error, event);
        }
      }
    }
  }

  async subscribe(pattern: string, handler: EventHandler): Promise<Unsubscribe> {
    assertPattern(pattern);
    const subscription = { pattern, handler, seen: new Deduplicator() };
    this.subscriptions.add(subscription);
    return async () => void this.subscriptions.delete(subscription);
  }

  async ping(): Promise<void> {
    if (this.closed) throw unavailable('the event bus is closed');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriptions.clear();
  }
}
