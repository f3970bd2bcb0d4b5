// Counts per-agent commands created and finished from the lifecycle events the
// live feed receives (every instance receives every instance's events, so the
// counts are fleet-wide), for the overview's throughput chart: the difference
// between two samples' counts. Counting events costs nothing per sample, where
// counting the commands table by status grows with every command ever stored.
// Bulk parents are left out (their children are counted).
import { EventType, type EventEnvelope } from '../events/event.js';

const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'expired']);

export class CommandEventCounter {
  /** Per-agent commands created since this process started. */
  created = 0;
  /** Per-agent commands that reached a final status since this process started. */
  finished = 0;

  observe(event: EventEnvelope): void {
    const data = event.data as { agentId?: unknown; parentId?: unknown; to?: unknown };
    if (event.type === EventType.CommandCreated) {
      if (data.agentId !== null || data.parentId !== null) this.created++;
    } else if (event.type === EventType.CommandStatusChanged) {
      if (typeof data.to === 'string' && FINAL.has(data.to) && data.agentId !== null) this.finished++;
    }
  }
}
