// Mapping between agents and their SQL rows, and keeping the label and
// capability side tables (used only for filtering) in step with the row.
import type { Insertable, Selectable } from 'kysely';
import type { AgentsTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, toJson, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import type { Connectivity, Health, HeartbeatSample } from '../health/health-model.js';
import type { Agent, AgentFacts } from './agent.js';
import type { NewAgent } from './agent-store.js';

/** Every agent column but the credential hash, which only getCredentialHash reads. */
export const AGENT_COLUMNS = [
  'id',
  'name',
  'hostname',
  'ip_address',
  'version',
  'type',
  'platform',
  'capabilities',
  'labels',
  'status',
  'status_changed_at',
  'health',
  'health_reasons',
  'health_changed_at',
  'enrolled_at',
  'updated_at',
  'last_seen_at',
  'last_heartbeat',
  'enrollment_secret_id',
  'revision',
] as const satisfies readonly (keyof AgentsTable)[];

export type AgentRow = Pick<Selectable<AgentsTable>, (typeof AGENT_COLUMNS)[number]>;

export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    ipAddress: row.ip_address,
    version: row.version,
    type: row.type,
    platform: row.platform,
    capabilities: fromJson<string[]>(row.capabilities),
    labels: fromJson<Record<string, string>>(row.labels),
    status: row.status as Connectivity,
    statusChangedAt: row.status_changed_at,
    health: row.health as Health,
    healthReasons: fromJson<string[]>(row.health_reasons),
    healthChangedAt: row.health_changed_at,
    enrolledAt: row.enrolled_at,
    updatedAt: row.updated_at,
    lastSeenAt: row.last_seen_at,
    lastHeartbeat: row.last_heartbeat === null ? null : fromJson<HeartbeatSample>(row.last_heartbeat),
    enrollmentSecretId: row.enrollment_secret_id,
    revision: row.revision,
  };
}

export function factsColumns(facts: AgentFacts) {
  return {
    name: facts.name,
    hostname: facts.hostname,
    ip_address: facts.ipAddress,
    version: facts.version,
    type: facts.type,
    platform: facts.platform,
    capabilities: toJson(facts.capabilities),
    labels: toJson(facts.labels),
  } satisfies Partial<Insertable<AgentsTable>>;
}

/**
 * The columns of a freshly enrolled (or reinstated) agent: offline until its
 * first stream or heartbeat, health unknown, never seen.
 */
export function enrolledColumns(agent: NewAgent) {
  return {
    ...factsColumns(agent),
    credential_hash: agent.credentialHash,
    enrollment_nonce_hash: agent.enrollmentNonceHash ?? null,
    status: 'offline',
    status_changed_at: agent.enrolledAt,
    health: 'unknown',
    health_reasons: '[]',
    health_changed_at: agent.enrolledAt,
    enrolled_at: agent.enrolledAt,
    updated_at: agent.enrolledAt,
    last_seen_at: null,
    last_heartbeat: null,
    enrollment_secret_id: agent.enrollmentSecretId,
  } satisfies Omit<Insertable<AgentsTable>, 'id' | 'revision'>;
}

export async function replaceLabels(
  db: SqlExecutor,
  agentId: string,
  labels: Readonly<Record<string, string>>,
): Promise<void> {
  await db.deleteFrom('agent_labels').where('agent_id', '=', agentId).execute();
  const rows = Object.entries(labels).map(([key, value]) => ({ agent_id: agentId, key, value }));
  if (rows.length > 0) await db.insertInto('agent_labels').values(rows).execute();
}

export async function replaceCapabilities(
  db: SqlExecutor,
  agentId: string,
  capabilities: readonly string[],
): Promise<void> {
  await db.deleteFrom('agent_capabilities').where('agent_id', '=', agentId).execute();
  // The side table is a set; the row keeps the list as reported (normaliseFacts dedupes upstream).
  const rows = [...new Set(capabilities)].map((capability) => ({ agent_id: agentId, capability }));
  if (rows.length > 0) await db.insertInto('agent_capabilities').values(rows).execute();
}
