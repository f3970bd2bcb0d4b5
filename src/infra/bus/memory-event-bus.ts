// The embedded event bus: delivers in process, in publish order. A failing
// handler is reported and does not stop delivery to the others.
import type { EventEnvelope } from '../../features/events/event.js';
import { matchesPattern, type EventBus, type EventHandler } from './event-bus.js';

export class MemoryEventBus implements EventBus {
  private readonly subscriptions = new Set<{ pattern: string; handler: EventHandler }>();

  constructor(private readonly onHandlerError: (error: unknown, event: EventEnvelope) => void) {}

  async publish(events: readonly EventEnvelope[]): Promise<void> {
    for (const event of events) {
      for (const { pattern, handler } of this.subscriptions) {
        if (!matchesPattern(pattern, event.type)) continue;
        try {
          await handler(event);
        } catch (error) {
          this.onHandlerError(error, event);
        }
      }
    }
  }

  subscribe(pattern: string, handler: EventHandler): () => void {
    const subscription = { pattern, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  async close(): Promise<void> {
    this.subscriptions.clear();
  }
}
