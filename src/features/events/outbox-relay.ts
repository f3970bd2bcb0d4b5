// Relays committed events from the outbox to the bus and marks them published
// only after the bus accepted them (at-least-once; consumers de-duplicate by
// id). Two ways in, one way out:
//   - events just committed come from the unit of work (Database
//     .onEventsCommitted) and go out at once, without being read back;
//   - drain(), run periodically, reads what the store still holds unpublished
//     (a publish that failed, events committed before this process started)
//     and relays it, oldest first.
// Publishing is serialised, so the two never relay the same event at the same
// time; an event that fails to publish stays in the outbox for the next drain.
import type { EventBus } from '../../infra/bus/event-bus.js';
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventEnvelope } from './event.js';

export class OutboxRelay {
  published = 0;
  private fresh: EventEnvelope[] = [];
  private scheduled = false;
  private chain: Promise<unknown> = Promise.resolve();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly batchSize = 500,
  ) {}

  /** Starts relaying events as they commit. */
  start(): void {
    this.stopListening ??= this.db.onEventsCommitted((events) => {
      this.fresh.push(...events);
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.serially(() => this.relayFresh()).catch(this.onError);
      });
    });
  }

  /** Stops taking committed events; what was not published yet waits in the outbox. */
  stop(): void {
    this.stopListening?.();
    this.stopListening = undefined;
  }

  /** Relays what the store holds unpublished, until none is left; returns how many events went out. */
  drain(): Promise<number> {
    return this.serially(async () => {
      let total = 0;
      for (;;) {
        const batch = await this.db.events.unpublished(this.batchSize);
        if (batch.length === 0) return total;
        await this.relay(batch);
        // Committed events not yet relayed on the fast path went out just now.
        if (this.fresh.length > 0) {
          const relayed = new Set(batch.map((event) => event.id));
          this.fresh = this.fresh.filter((event) => !relayed.has(event.id));
        }
        total += batch.length;
        if (batch.length < this.batchSize) return total;
      }
    });
  }

  private async relayFresh(): Promise<void> {
    while (this.fresh.length > 0) {
      const batch = this.fresh.splice(0, this.batchSize);
      await this.relay(batch);
    }
  }

  private async relay(batch: readonly EventEnvelope[]): Promise<void> {
    await this.bus.publish(batch);
    await this.db.events.markPublished(
      batch.map((event) => event.id),
      this.clock.now(),
    );
    this.published += batch.length;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
