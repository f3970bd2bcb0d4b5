// Relays committed events from the outbox to the bus, oldest first, and marks
// them published only after the bus accepted them. A failed publish leaves the
// events in the outbox for the next round (at-least-once; consumers dedupe by id).
import type { EventBus } from '../../infra/bus/event-bus.js';
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';

export class OutboxRelay {
  published = 0;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly batchSize = 500,
  ) {}

  /** Relays until the outbox is empty; returns how many events went out. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = await this.db.events.unpublished(this.batchSize);
      if (batch.length === 0) return total;
      await this.bus.publish(batch);
      await this.db.events.markPublished(
        batch.map((event) => event.id),
        this.clock.now(),
      );
      total += batch.length;
      this.published += batch.length;
      if (batch.length < this.batchSize) return total;
    }
  }
}
