// The store ports together, and the unit of work that runs several of them in
// one transaction (state change + outbox event + audit entry commit together).
import type { AgentStore } from '../../features/agents/agent-store.js';
import type { ApiKeyStore } from '../../features/api-keys/api-key-store.js';
import type { BackupStore } from '../../features/backups/backup-store.js';
import type { AuditStore } from '../../features/audit/audit-store.js';
import type { CommandStore } from '../../features/commands/command-store.js';
import type { ConfigurationStore } from '../../features/configuration/configuration-store.js';
import type { CommandTypeStore } from '../../features/commands/command-type-store.js';
import type { EnrollmentSecretStore } from '../../features/enrollment/enrollment-secret-store.js';
import type { EventStore } from '../../features/events/event-store.js';
import type { FleetSettingsStore } from '../../features/fleet/fleet-settings-store.js';
import type { GroupStore } from '../../features/groups/group-store.js';
import type { PolicyStore } from '../../features/policies/policy-store.js';
import type { EventEnvelope } from '../../features/events/event.js';
import type { SessionStore } from '../../features/sessions/session-store.js';

export interface Stores {
  readonly agents: AgentStore;
  readonly sessions: SessionStore;
  readonly enrollmentSecrets: EnrollmentSecretStore;
  readonly events: EventStore;
  readonly audit: AuditStore;
  readonly apiKeys: ApiKeyStore;
  readonly commands: CommandStore;
  readonly commandTypes: CommandTypeStore;
  readonly policies: PolicyStore;
  readonly groups: GroupStore;
  readonly configuration: ConfigurationStore;
  readonly backups: BackupStore;
  readonly fleetSettings: FleetSettingsStore;
}

export interface Database extends Stores {
  /** Runs `work` in one transaction; everything it wrote commits or none of it does. */
  transaction<T>(work: (stores: Stores) => Promise<T>): Promise<T>;
  /**
   * Calls `listener` with the events of each write that committed (a transaction, or an append outside
   * one), right after the commit: the outbox relay publishes them without reading them back.
   */
  onEventsCommitted(listener: (events: readonly EventEnvelope[]) => void): () => void;
  /** Whether the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
