// The agent as the admin API shows it: every stored field in camelCase with
// ISO-8601 times, plus `connected`. Never the credential hash (the Agent type
// does not carry it). `live` overlays this instance's in-memory state, which is
// fresher than the last flushed row.
import { z } from 'zod';
import {
  isoTime,
  isoTimeOrNull,
  isoTimeOrNullSchema,
  isoTimeSchema,
} from '../../transports/http/json-values.js';
import type { LiveAgent } from '../health/fleet-tracker.js';
import { Connectivity } from '../health/health-model.js';
import {
  connectivitySchema,
  healthSchema,
  heartbeatJson,
  heartbeatJsonSchema,
} from '../health/health-json.js';
import type { Agent } from './agent.js';

export const agentJsonSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  hostname: z.string(),
  ipAddress: z.string(),
  version: z.string(),
  type: z.string(),
  platform: z.string(),
  capabilities: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  status: connectivitySchema,
  statusChangedAt: isoTimeSchema,
  health: healthSchema,
  healthReasons: z.array(z.string()),
  healthChangedAt: isoTimeSchema,
  enrolledAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
  lastSeenAt: isoTimeOrNullSchema,
  lastHeartbeat: heartbeatJsonSchema.nullable(),
  enrollmentSecretId: z.string().nullable(),
  revision: z.number().int().describe('Bumped by every change to facts or metadata; the ETag'),
  connected: z.boolean().describe('Whether the agent has a stream open to this instance'),
});
export type AgentJson = z.output<typeof agentJsonSchema>;

export function agentJson(agent: Agent, live: LiveAgent | undefined): AgentJson {
  // A decommissioned agent's row is final; memory may still hold its last stream.
  const now = agent.status !== Connectivity.Decommissioned ? live : undefined;
  const lastHeartbeat = now ? now.lastSample : agent.lastHeartbeat;
  return {
    id: agent.id,
    name: agent.name,
    hostname: agent.hostname,
    ipAddress: agent.ipAddress,
    version: agent.version,
    type: agent.type,
    platform: agent.platform,
    capabilities: [...agent.capabilities],
    labels: { ...agent.labels },
    status: now?.status ?? agent.status,
    statusChangedAt: isoTime(now?.statusChangedAt ?? agent.statusChangedAt),
    health: now?.health.current ?? agent.health,
    healthReasons: [...(now?.health.reasons ?? agent.healthReasons)],
    healthChangedAt: isoTime(now?.health.changedAtMs ?? agent.healthChangedAt),
    enrolledAt: isoTime(agent.enrolledAt),
    updatedAt: isoTime(agent.updatedAt),
    lastSeenAt: isoTimeOrNull(now ? now.lastSeenAt : agent.lastSeenAt),
    lastHeartbeat: lastHeartbeat === null ? null : heartbeatJson(lastHeartbeat),
    enrollmentSecretId: agent.enrollmentSecretId,
    revision: agent.revision,
    connected: (live?.streams ?? 0) > 0,
  };
}
