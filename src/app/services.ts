// The services the transports call, wired once by the composition root (corral.ts).
import type { AgentService } from '../features/agents/agent-service.js';
import type { ApiKeyService } from '../features/api-keys/api-key-service.js';
import type { AuditLog } from '../features/audit/audit-log.js';
import type { BackupService } from '../features/backups/backup-service.js';
import type { StateTransferService } from '../features/backups/state-transfer.js';
import type { CommandService } from '../features/commands/command-service.js';
import type { CommandStatistics } from '../features/commands/command-stats.js';
import type { CommandTypeService } from '../features/commands/command-type-service.js';
import type { ConfigurationService } from '../features/configuration/configuration-service.js';
import type { Auditor } from '../features/audit/audited.js';
import type { EnrollmentService } from '../features/enrollment/enrollment-service.js';
import type { EventLog } from '../features/events/event-log.js';
import type { GroupService } from '../features/groups/group-service.js';
import type { FleetTracker } from '../features/health/fleet-tracker.js';
import type { HealthService } from '../features/health/health-service.js';
import type { PolicyService } from '../features/policies/policy-service.js';
import type { SessionService } from '../features/sessions/session-service.js';
import type { StatusService } from '../features/fleet/status-service.js';
import type { MaintenanceMode } from '../features/fleet/maintenance-mode.js';
import type { InstanceAdmin } from '../features/instances/instance-admin.js';
import type { Clock } from '../shared/clock.js';

export interface Services {
  readonly clock: Clock;
  readonly agents: AgentService;
  readonly sessions: SessionService;
  readonly enrollment: EnrollmentService;
  readonly health: HealthService;
  readonly tracker: FleetTracker;
  readonly apiKeys: ApiKeyService;
  readonly events: EventLog;
  /** Commands: create, read, cancel. */
  readonly commands: CommandService;
  readonly commandStats: CommandStatistics;
  /** Command types: built-ins and registered custom:<name> types; holds the registry `commands` validates with. */
  readonly commandTypes: CommandTypeService;
  /** Security policies: versions, assignments to agents and groups, effective sets per agent. */
  readonly policies: PolicyService;
  /** Agent groups: static and dynamic membership, an agent's groups in precedence order. */
  readonly groups: GroupService;
  /** Configuration layers, revisions and bulk updates. */
  readonly configuration: ConfigurationService;
  /** Configuration backups: create, read, diff, restore (ADR 0013). */
  readonly backups: BackupService;
  /** Full state export and import, for disaster recovery (ADR 0013). */
  readonly stateTransfer: StateTransferService;
  readonly audit: AuditLog;
  /** Records admin mutations; transports use it for requests refused before any service ran. */
  readonly auditor: Auditor;
  readonly status: StatusService;
  /** Holds non-emergency command dispatch while on. */
  readonly maintenance: MaintenanceMode;
  /** The instances of the fleet: list, drain, resume (routed to the named one). */
  readonly instances: InstanceAdmin;
  /** Whether every backend answers (for /readyz). */
  readiness(): Promise<{ ready: boolean; checks: Record<string, 'ok' | string> }>;
}
