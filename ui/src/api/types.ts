// The admin API's JSON as the dashboard reads it (the server's *-json.ts files
// are the reference; only the fields the pages use are typed here).
export type Role = 'viewer' | 'operator' | 'admin';
export type Connectivity = 'online' | 'offline' | 'inactive' | 'decommissioned';
export type Health = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';
export type Compliance = 'compliant' | 'non_compliant' | 'pending' | 'unknown';

export interface Me {
  readonly actor: string;
  readonly name: string;
  readonly role: Role;
}

export interface Heartbeat {
  readonly sequence: number;
  readonly receivedAt: string;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly memoryRssBytes: number;
  readonly load1: number;
  readonly queueDepth: number;
  readonly errorCount: number;
  readonly uptimeSeconds: number;
  readonly appliedConfigRevision: string;
  readonly appliedPolicyRevision: string;
  readonly metrics: Record<string, number>;
}

export interface Agent {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  readonly ipAddress: string;
  readonly version: string;
  readonly type: string;
  readonly platform: string;
  readonly capabilities: string[];
  readonly labels: Record<string, string>;
  readonly status: Connectivity;
  readonly statusChangedAt: string;
  readonly health: Health;
  readonly healthReasons: string[];
  readonly healthChangedAt: string;
  readonly enrolledAt: string;
  readonly updatedAt: string;
  readonly lastSeenAt: string | null;
  readonly lastHeartbeat: Heartbeat | null;
  readonly revision: number;
  readonly connected: boolean;
}

export interface FleetStatistics {
  readonly total: number;
  readonly byStatus: Record<string, number>;
  readonly byHealth: Record<string, number>;
  readonly byType: Record<string, number>;
  readonly byVersion: Record<string, number>;
  readonly connected: number;
}

export interface ComplianceSummary {
  readonly total: number;
  readonly byCompliance: Record<string, number>;
  readonly compliantPercent: number;
}

export interface LiveEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  readonly subject: { readonly kind: string; readonly id: string };
  readonly actor: string;
  readonly data: Record<string, unknown>;
}

export interface FleetSample {
  readonly at: string;
  readonly agents: {
    readonly total: number;
    readonly connected: number;
    readonly byStatus: Record<string, number>;
    readonly byHealth: Record<string, number>;
  };
  readonly compliance: Record<string, number>;
  /** Running counts of per-agent commands created and finished (the server's, since it started). */
  readonly commands: { readonly created: number; readonly finished: number };
}

export type CommandStatus =
  | 'queued'
  | 'scheduled'
  | 'dispatched'
  | 'acknowledged'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancel_requested'
  | 'cancelled'
  | 'expired'
  | 'partially_failed';

export type CommandTarget =
  | { kind: 'agent'; agentId: string }
  | { kind: 'agents'; agentIds: string[] }
  | { kind: 'group'; groupId: string }
  | { kind: 'selector'; labels: Record<string, string> }
  | { kind: 'capability'; capability: string; count: number; labels?: Record<string, string> };

export interface Command {
  readonly id: string;
  readonly type: string;
  readonly params: Record<string, unknown>;
  readonly priority: string;
  readonly target: CommandTarget;
  readonly agentId: string | null;
  readonly parentId: string | null;
  readonly requester: string;
  readonly status: CommandStatus;
  readonly createdAt: string;
  readonly deadlineAt: string;
  readonly expiresAt: string;
  readonly deliveries: number;
  readonly progress: { percent: number; message: string } | null;
  readonly result: unknown;
  readonly error: { code: string; message: string } | null;
  readonly children: { total: number; byStatus: Record<string, number> } | null;
  readonly history: { status: CommandStatus; at: string; detail?: string }[];
}

export interface CommandType {
  readonly name: string;
  readonly builtIn: boolean;
  readonly description: string;
  readonly schema: JsonSchema;
  readonly example: Record<string, unknown> | null;
  readonly emergency: boolean;
  /** Registered types: the ETag; null for built-ins. */
  readonly revision: number | null;
}

export interface JsonSchema {
  readonly type?: string | string[];
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: string[];
  readonly enum?: unknown[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly items?: JsonSchema;
  readonly maxItems?: number;
  readonly anyOf?: JsonSchema[];
}

export interface CommandStats {
  readonly byStatus: Record<string, number>;
  readonly unfinished: number;
}

export interface Group {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly kind: 'static' | 'dynamic';
  readonly selector: Record<string, string> | null;
  readonly priority: number;
  readonly revision: number;
}

export interface SystemStatus {
  readonly version: string;
  readonly instanceId: string;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly maintenanceMode: boolean;
  readonly backends: { store: string; cache: string; bus: string };
  readonly fleet: FleetStatistics;
  readonly instances: {
    instanceId: string;
    address: string;
    agents: number;
    version: string;
    startedAt: string;
    seenAt: string;
  }[];
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly targetKind: string;
  readonly targetId: string | null;
  readonly outcome: string;
  readonly errorCode?: string | null;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string;
}
