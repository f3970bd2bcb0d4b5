// What /api/status reports: this instance, its backends, the live instances
// (from presence) with their agent counts, the fleet in numbers.
import type { InstanceView } from '../instances/instance-admin.js';
import type { Clock } from '../../shared/clock.js';
import type { AgentService, FleetStatistics } from '../agents/agent-service.js';
import type { MaintenanceState } from './maintenance-mode.js';

export interface SystemStatus {
  readonly service: 'corral';
  readonly version: string;
  readonly instanceId: string;
  readonly startedAt: number;
  readonly uptimeSeconds: number;
  readonly maintenanceMode: boolean;
  readonly backends: { readonly store: string; readonly cache: string; readonly bus: string };
  readonly fleet: FleetStatistics;
  /** Instances whose presence has not expired, by id, with their state; empty when presence cannot be read. */
  readonly instances: readonly InstanceView[];
}

export interface StatusFacts {
  readonly version: string;
  readonly instanceId: string;
  readonly startedAt: number;
  readonly backends: SystemStatus['backends'];
}

export class StatusService {
  constructor(
    private readonly maintenance: () => MaintenanceState,
    private readonly agents: AgentService,
    private readonly clock: Clock,
    private readonly facts: StatusFacts,
    private readonly liveInstances: () => Promise<InstanceView[]> = async () => [],
  ) {}

  async status(): Promise<SystemStatus> {
    return {
      service: 'corral',
      ...this.facts,
      uptimeSeconds: Math.floor((this.clock.now() - this.facts.startedAt) / 1000),
      maintenanceMode: this.maintenance().enabled,
      fleet: await this.agents.statistics(),
      // Presence is a view, not a source of truth: an unreachable cache must not fail the status page.
      instances: await this.liveInstances().then(
        (instances) => [...instances].sort((a, b) => a.instanceId.localeCompare(b.instanceId)),
        () => [],
      ),
    };
  }
}
