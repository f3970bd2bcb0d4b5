// JSON representations of health for the admin API: an agent's heartbeat
// sample, its health view and its recent metrics. Times are ISO-8601 strings.
import { z } from 'zod';
import {
  isoTimeOrNull,
  isoTimeOrNullSchema,
  isoTimeSchema,
  isoTime,
} from '../../transports/http/json-values.js';
import type { AgentHealthView, AgentMetricsView } from './health-service.js';
import { CONNECTIVITY_VALUES, HEALTH_VALUES, type HeartbeatSample } from './health-model.js';
import type { HistoryPoint } from './metric-history.js';

export const connectivitySchema = z.enum(CONNECTIVITY_VALUES);
export const healthSchema = z.enum(HEALTH_VALUES);

export const heartbeatJsonSchema = z.strictObject({
  sequence: z.number(),
  sentAt: isoTimeOrNullSchema.describe('When the agent sent it (its clock)'),
  receivedAt: isoTimeOrNullSchema.describe('When Corral received it'),
  cpuPercent: z.number(),
  memoryPercent: z.number(),
  memoryRssBytes: z.number(),
  load1: z.number(),
  queueDepth: z.number(),
  errorCount: z.number(),
  uptimeSeconds: z.number(),
  appliedConfigRevision: z.string(),
  appliedPolicyRevision: z.string(),
  metrics: z.record(z.string(), z.number()),
});
export type HeartbeatJson = z.output<typeof heartbeatJsonSchema>;

export function heartbeatJson(sample: HeartbeatSample): HeartbeatJson {
  return {
    sequence: sample.sequence,
    sentAt: isoTimeOrNull(sample.sentAtMs),
    receivedAt: isoTimeOrNull(sample.receivedAtMs),
    cpuPercent: sample.cpuPercent,
    memoryPercent: sample.memoryPercent,
    memoryRssBytes: sample.memoryRssBytes,
    load1: sample.load1,
    queueDepth: sample.queueDepth,
    errorCount: sample.errorCount,
    uptimeSeconds: sample.uptimeSeconds,
    appliedConfigRevision: sample.appliedConfigRevision,
    appliedPolicyRevision: sample.appliedPolicyRevision,
    metrics: { ...sample.metrics },
  };
}

export const agentHealthJsonSchema = z.strictObject({
  agentId: z.string(),
  status: connectivitySchema,
  statusChangedAt: isoTimeSchema,
  health: healthSchema,
  reasons: z.array(z.string()),
  healthChangedAt: isoTimeSchema,
  lastSeenAt: isoTimeOrNullSchema,
  connected: z.boolean().describe('Whether the agent has a stream open to this instance'),
});

export function agentHealthJson(view: AgentHealthView): z.output<typeof agentHealthJsonSchema> {
  return {
    agentId: view.agentId,
    status: view.status,
    statusChangedAt: isoTime(view.statusChangedAt),
    health: view.health,
    reasons: [...view.reasons],
    healthChangedAt: isoTime(view.healthChangedAt),
    lastSeenAt: isoTimeOrNull(view.lastSeenAt),
    connected: view.connected,
  };
}

const historyPointJsonSchema = z.strictObject({
  receivedAt: isoTimeOrNullSchema,
  cpuPercent: z.number(),
  memoryPercent: z.number(),
  load1: z.number(),
  queueDepth: z.number(),
  errorCount: z.number(),
});

export const agentMetricsJsonSchema = z.strictObject({
  agentId: z.string(),
  latest: heartbeatJsonSchema.nullable(),
  history: z
    .array(historyPointJsonSchema)
    .describe('Recent heartbeats held in memory by this instance, oldest first'),
});

export function agentMetricsJson(view: AgentMetricsView): z.output<typeof agentMetricsJsonSchema> {
  return {
    agentId: view.agentId,
    latest: view.latest === null ? null : heartbeatJson(view.latest),
    history: view.history.map((point: HistoryPoint) => ({
      receivedAt: isoTimeOrNull(point.receivedAtMs),
      cpuPercent: point.cpuPercent,
      memoryPercent: point.memoryPercent,
      load1: point.load1,
      queueDepth: point.queueDepth,
      errorCount: point.errorCount,
    })),
  };
}
