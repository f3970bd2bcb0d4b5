// Ends commands that ran out of time: those that never reached an agent before
// expiresAt become expired; those out on an agent past deadlineAt become
// timed_out. Runs in the store, in bounded batches, with the same guards as
// every other transition (a command that finished meanwhile is left alone),
// and records each change as an outbox event.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventFactory } from '../events/event-factory.js';
import { statusChangedEvents, SYSTEM_ACTOR } from './command-events.js';
import type { AppliedTransition, CommandTransitionWrite } from './command-store.js';

export class CommandSweep {
  constructor(
    private readonly db: Database,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    /** Told what ended, so the dispatcher frees the agents' windows. */
    private readonly ended: (applied: readonly AppliedTransition[]) => void = () => undefined,
    private readonly batchSize = 1000,
  ) {}

  /** Returns how many commands expired and timed out. */
  async run(): Promise<{ expired: number; timedOut: number }> {
    let expired = 0;
    let timedOut = 0;
    for (;;) {
      const now = this.clock.now();
      const [toExpire, toTimeOut] = await Promise.all([
        this.db.commands.dueToExpire(now, this.batchSize),
        this.db.commands.dueToTimeOut(now, this.batchSize),
      ]);
      if (toExpire.length === 0 && toTimeOut.length === 0) return { expired, timedOut };
      const writes: CommandTransitionWrite[] = [
        ...toExpire.map((id) => ({
          id,
          to: 'expired' as const,
          at: now,
          detail: 'did not reach an agent in time',
        })),
        ...toTimeOut.map((id) => ({
          id,
          to: 'timed_out' as const,
          at: now,
          detail: 'deadline passed',
          error: { code: 'timed_out', message: 'deadline passed' },
        })),
      ];
      const applied = await this.db.transaction(async (stores) => {
        const done = await stores.commands.applyTransitions(writes);
        if (done.length > 0)
          await stores.events.append(statusChangedEvents(this.events, done, SYSTEM_ACTOR, now));
        return done;
      });
      this.ended(applied);
      expired += applied.filter((t) => t.path.at(-1) === 'expired').length;
      timedOut += applied.filter((t) => t.path.at(-1) === 'timed_out').length;
      if (toExpire.length < this.batchSize && toTimeOut.length < this.batchSize) return { expired, timedOut };
    }
  }
}
