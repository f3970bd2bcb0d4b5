// Moves silent agents on: online → offline after AGENT_TIMEOUT without a
// heartbeat, → inactive after MAX_INACTIVE_TIME (raising agent_inactive).
// Runs in the store, so it also covers agents no instance holds in memory.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { StaleAgent } from '../agents/agent-store.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { Connectivity } from './health-model.js';
import type { FleetTracker } from './fleet-tracker.js';

export interface StalenessSettings {
  readonly agentTimeoutMs: number;
  readonly maxInactiveMs: number;
}

export class StalenessSweep {
  constructor(
    private readonly db: Database,
    private readonly tracker: FleetTracker,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    private readonly settings: StalenessSettings,
  ) {}

  async run(): Promise<StaleAgent[]> {
    // Write what memory knows first, so a recent heartbeat is not mistaken for silence.
    await this.tracker.flush();
    const now = this.clock.now();
    const moved = await this.db.transaction(async (stores) => {
      const changes = await stores.agents.markStale({
        offlineBefore: now - this.settings.agentTimeoutMs,
        inactiveBefore: now - this.settings.maxInactiveMs,
        at: now,
      });
      const events = changes.flatMap((change) => {
        const subject = { kind: 'agent' as const, id: change.id };
        const statusChanged = this.events.make(
          EventType.AgentStatusChanged,
          subject,
          'system',
          { from: change.from, to: change.to, reason: 'silence' },
          now,
        );
        return change.to === Connectivity.Inactive
          ? [
              statusChanged,
              this.events.make(
                EventType.AgentInactive,
                subject,
                'system',
                { lastSeenAt: change.lastSeenAt, maxInactiveMs: this.settings.maxInactiveMs },
                now,
              ),
            ]
          : [statusChanged];
      });
      if (events.length > 0) await stores.events.append(events);
      return changes;
    });
    this.tracker.applyStale(moved);
    return moved;
  }
}
