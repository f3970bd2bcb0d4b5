// The versioned event envelope. Events are written to the outbox in the same
// transaction as the state change they describe, then relayed to the bus.

export const EventType = {
  AgentRegistered: 'agent_registered',
  AgentUnregistered: 'agent_unregistered',
  AgentUpdated: 'agent_updated',
  AgentInactive: 'agent_inactive',
  AgentHeartbeat: 'agent_heartbeat',
  AgentStatusChanged: 'agent_status_changed',
  AgentHealthChanged: 'agent_health_changed',
  SessionStarted: 'session_started',
  SessionEnded: 'session_ended',
  CommandCreated: 'command_created',
  CommandStatusChanged: 'command_status_changed',
  CommandTypeRegistered: 'command_type_registered',
  CommandTypeUpdated: 'command_type_updated',
  CommandTypeDeleted: 'command_type_deleted',
  GroupCreated: 'group_created',
  GroupUpdated: 'group_updated',
  GroupDeleted: 'group_deleted',
  GroupMembershipChanged: 'group_membership_changed',
  PolicyCreated: 'policy_created',
  PolicyUpdated: 'policy_updated',
  PolicyDeleted: 'policy_deleted',
  PolicyAssigned: 'policy_assigned',
  PolicyUnassigned: 'policy_unassigned',
  ConfigUpdated: 'config_updated',
  ConfigApplied: 'config_applied',
  ConfigFailed: 'config_failed',
  ConfigDrifted: 'config_drifted',
  PolicyApplied: 'policy_applied',
  PolicyFailed: 'policy_failed',
  ComplianceChanged: 'compliance_changed',
  BackupCreated: 'backup_created',
  BackupRestored: 'backup_restored',
  StateImported: 'state_imported',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

export const EVENT_SCHEMA_VERSION = 1;

export interface EventEnvelope<T = Record<string, unknown>> {
  /** Time-ordered id; also the de-duplication key for consumers. */
  readonly id: string;
  readonly type: EventType;
  readonly schemaVersion: number;
  readonly occurredAt: number;
  readonly subject: {
    readonly kind:
      | 'agent'
      | 'session'
      | 'enrollment_secret'
      | 'api_key'
      | 'command'
      | 'command_type'
      | 'group'
      | 'policy'
      | 'configuration'
      | 'backup';
    readonly id: string;
  };
  /** Who caused it: `api_key:<id>`, `agent:<id>` or `system`. */
  readonly actor: string;
  readonly data: T;
}

export type NewEvent = Omit<EventEnvelope, 'id' | 'schemaVersion'>;
