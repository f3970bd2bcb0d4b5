// Read side of health: one agent's health and metrics, preferring live memory
// over the last flushed row.
import type { AgentService } from '../agents/agent-service.js';
import type { FleetTracker } from './fleet-tracker.js';
import type { Connectivity, Health, HeartbeatSample } from './health-model.js';
import type { HistoryPoint } from './metric-history.js';

export interface AgentHealthView {
  readonly agentId: string;
  readonly status: Connectivity;
  readonly statusChangedAt: number;
  readonly health: Health;
  readonly reasons: readonly string[];
  readonly healthChangedAt: number;
  readonly lastSeenAt: number | null;
  readonly connected: boolean;
}

export interface AgentMetricsView {
  readonly agentId: string;
  readonly latest: HeartbeatSample | null;
  /** Recent heartbeats held in memory by this instance, oldest first. */
  readonly history: readonly HistoryPoint[];
}

export class HealthService {
  constructor(
    private readonly agents: AgentService,
    private readonly tracker: FleetTracker,
  ) {}

  async health(agentId: string): Promise<AgentHealthView> {
    const stored = await this.agents.get(agentId);
    const live = this.tracker.get(agentId);
    return {
      agentId,
      status: live?.status ?? stored.status,
      statusChangedAt: live?.statusChangedAt ?? stored.statusChangedAt,
      health: live?.health.current ?? stored.health,
      reasons: live?.health.reasons ?? stored.healthReasons,
      healthChangedAt: live?.health.changedAtMs ?? stored.healthChangedAt,
      lastSeenAt: live?.lastSeenAt ?? stored.lastSeenAt,
      connected: (live?.streams ?? 0) > 0,
    };
  }

  async metrics(agentId: string): Promise<AgentMetricsView> {
    const stored = await this.agents.get(agentId);
    const live = this.tracker.get(agentId);
    return {
      agentId,
      latest: live?.lastSample ?? stored.lastHeartbeat,
      history: live?.history.points() ?? [],
    };
  }
}
