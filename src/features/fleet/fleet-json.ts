// Fleet statistics and system status as the admin API shows them.
import { z } from 'zod';
import type { MaintenanceState } from './maintenance-mode.js';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import type { FleetStatistics } from '../agents/agent-service.js';
import type { SystemStatus } from './status-service.js';
import { instanceJson, instanceJsonSchema } from '../instances/instance-json.js';

const counts = z.record(z.string(), z.number().int());

export const fleetStatisticsJsonSchema = z.strictObject({
  total: z.number().int().describe('Agents ever enrolled, decommissioned included'),
  byStatus: counts,
  byHealth: counts,
  byType: counts,
  byVersion: counts,
  connected: z.number().int().describe('Agents with a stream open to this instance'),
});

export function fleetStatisticsJson(stats: FleetStatistics): z.output<typeof fleetStatisticsJsonSchema> {
  return {
    total: stats.total,
    byStatus: { ...stats.byStatus },
    byHealth: { ...stats.byHealth },
    byType: { ...stats.byType },
    byVersion: { ...stats.byVersion },
    connected: stats.connected,
  };
}

export const systemStatusJsonSchema = z.strictObject({
  service: z.literal('corral'),
  version: z.string(),
  instanceId: z.string(),
  startedAt: isoTimeSchema,
  uptimeSeconds: z.number().int(),
  maintenanceMode: z.boolean(),
  backends: z.strictObject({ store: z.string(), cache: z.string(), bus: z.string() }),
  fleet: fleetStatisticsJsonSchema,
  instances: z
    .array(instanceJsonSchema)
    .describe('Live instances sharing this fleet (this one included), by id'),
});

export function systemStatusJson(status: SystemStatus): z.output<typeof systemStatusJsonSchema> {
  return {
    service: status.service,
    version: status.version,
    instanceId: status.instanceId,
    startedAt: isoTime(status.startedAt),
    uptimeSeconds: status.uptimeSeconds,
    maintenanceMode: status.maintenanceMode,
    backends: { store: status.backends.store, cache: status.backends.cache, bus: status.backends.bus },
    fleet: fleetStatisticsJson(status.fleet),
    instances: status.instances.map(instanceJson),
  };
}

export const maintenanceJsonSchema = z.strictObject({
  enabled: z.boolean(),
  since: z.string().nullable().describe('When it was switched on (ISO 8601)'),
  by: z.string().nullable().describe('Who switched it on'),
  reason: z.string().nullable(),
});

export function maintenanceJson(state: MaintenanceState): z.output<typeof maintenanceJsonSchema> {
  return {
    enabled: state.enabled,
    since: state.since === null ? null : new Date(state.since).toISOString(),
    by: state.by,
    reason: state.reason,
  };
}
