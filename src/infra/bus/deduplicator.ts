// At-least-once delivery means a subscriber can be handed the same event twice
// (the outbox relay publishes again when marking an event published failed; a
// broker redelivers what was not acknowledged). A Deduplicator remembers the
// ids its handler finished, up to a bound, and skips them when they come back.
// An id is remembered only after the handler succeeded, so a failed attempt is
// retried rather than swallowed.
import type { EventEnvelope } from '../../features/events/event.js';
import { BoundedLru } from './bounded-lru.js';
import type { EventHandler } from './event-bus.js';

/** Enough for the relay's re-publish window (one batch of 500, several times over). */
export const DEFAULT_SEEN_IDS = 10_000;

export type Outcome = 'handled' | 'duplicate';

export class Deduplicator {
  duplicates = 0;
  private readonly seen: BoundedLru<string, true>;
  private readonly running = new Map<string, Promise<void>>();

  constructor(capacity = DEFAULT_SEEN_IDS) {
    this.seen = new BoundedLru(capacity);
  }

  /** Runs the handler unless this event id already went through it; a throwing handler rethrows. */
  async run(event: EventEnvelope, handler: EventHandler): Promise<Outcome> {
    if (this.seen.get(event.id)) {
      this.duplicates += 1;
      return 'duplicate';
    }
    const running = this.running.get(event.id);
    if (running) {
      // The same id is being handled right now: its outcome decides (seen, or try again).
      await running.catch(() => undefined);
      return this.run(event, handler);
    }
    const attempt = (async () => {
      await handler(event);
      this.seen.set(event.id, true);
    })();
    this.running.set(event.id, attempt);
    try {
      await attempt;
      return 'handled';
    } finally {
      this.running.delete(event.id);
    }
  }
}
