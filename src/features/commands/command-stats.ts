// Command statistics for operators (GET /api/v1/commands/stats): how many
// commands are in each status (from the store, so for the whole fleet), and
// what this instance holds in memory right now: children waiting for
// placement, commands waiting in agents' lanes and out on agents, and the
// totals delivered and reported since start.
import type { Database } from '../../infra/store/stores.js';

/** What this instance's scheduler and dispatcher hold right now. */
export interface LiveCommandCounts {
  placementWaiting(): number;
  dispatch(): { waiting: number; out: number };
  delivered(): number;
  reportsStored(): number;
}

export interface CommandStats {
  readonly byStatus: Readonly<Record<string, number>>;
  /** Commands that have not reached a terminal status (bulk parents excluded). */
  readonly unfinished: number;
  readonly instance: {
    readonly waitingForPlacement: number;
    readonly waitingForDispatch: number;
    readonly outOnAgents: number;
    readonly delivered: number;
    readonly reportsStored: number;
  };
}

const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'expired']);

export class CommandStatistics {
  constructor(
    private readonly db: Database,
    private readonly live: LiveCommandCounts,
  ) {}

  async read(): Promise<CommandStats> {
    const byStatus = await this.db.commands.countsByStatus();
    const dispatch = this.live.dispatch();
    return {
      byStatus,
      unfinished: Object.entries(byStatus)
        .filter(([status]) => !TERMINAL.has(status))
        .reduce((sum, [, n]) => sum + n, 0),
      instance: {
        waitingForPlacement: this.live.placementWaiting(),
        waitingForDispatch: dispatch.waiting,
        outOnAgents: dispatch.out,
        delivered: this.live.delivered(),
        reportsStored: this.live.reportsStored(),
      },
    };
  }
}
