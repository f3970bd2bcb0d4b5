// Keeps each bulk parent's status the aggregate of its children's
// (aggregateStatus in command-state.ts): a background task reads the open
// parents and their children's counts in two queries, and stores the parents
// whose aggregate moved, with an event each. Parents only move forward
// (PARENT_PREDECESSORS), so a late or repeated run changes nothing.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventFactory } from '../events/event-factory.js';
import { statusChangedEvents, SYSTEM_ACTOR } from './command-events.js';
import { aggregateOfCounts, COMMAND_STATUS_VALUES } from './command-state.js';
import type { ChildCounts, CommandTransitionWrite } from './command-store.js';

/** "3 succeeded, 1 failed": the children's outcome, for the parent's history. */
export function describeCounts(counts: ChildCounts): string {
  // In lifecycle order, not the store's row order (which no SQL GROUP BY promises).
  return COMMAND_STATUS_VALUES.filter((status) => (counts[status] ?? 0) > 0)
    .map((status) => `${counts[status]} ${status}`)
    .join(', ');
}

export class BulkRollup {
  constructor(
    private readonly db: Database,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    private readonly batchSize = 500,
  ) {}

  /** Returns how many parents changed status. */
  async run(): Promise<number> {
    const parents = await this.db.commands.openParents(this.batchSize);
    if (parents.length === 0) return 0;
    const counts = await this.db.commands.childCounts(parents.map((p) => p.id));
    const now = this.clock.now();
    const writes: CommandTransitionWrite[] = parents.flatMap((parent) => {
      const children = counts.get(parent.id);
      if (!children) return [];
      const to = aggregateOfCounts(children);
      return to === parent.status ? [] : [{ id: parent.id, to, at: now, detail: describeCounts(children) }];
    });
    if (writes.length === 0) return 0;
    return this.db.transaction(async (stores) => {
      const applied = await stores.commands.applyTransitions(writes);
      if (applied.length > 0)
        await stores.events.append(statusChangedEvents(this.events, applied, SYSTEM_ACTOR, now));
      return applied.length;
    });
  }
}
