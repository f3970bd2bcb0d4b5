// Fixed readings for every FleetGauges method, for tests that need CorralMetrics
// without a running Corral: each gauge reports a distinct, recognisable value.
import type { FleetGauges } from './corral-metrics.js';

export const FIXED_FLEET_GAUGES: FleetGauges = {
  counts: async () => ({
    byStatus: { online: 3, offline: 1, inactive: 0, decommissioned: 2 },
    byHealth: { healthy: 2, degraded: 1, unhealthy: 0, unknown: 1 },
  }),
  connectedStreams: () => 3,
  liveAgents: () => 4,
  pendingAgentWrites: () => 1,
  heartbeatsReceived: () => 42,
  eventsPublished: () => 7,
  commandCounts: async () => ({ queued: 2, succeeded: 5 }),
  commandsDelivered: () => 9,
  commandReportsStored: () => 11,
  queueDepths: () => ({ placement: 2, dispatch: 3 }),
  queueOldestAges: () => ({ placement: 0, dispatch: 12.5 }),
  outboxLag: async () => ({ events: 17, oldestAgeSeconds: 4.25 }),
  maintenanceMode: () => true,
  complianceCounts: async () => ({ compliant: 4, non_compliant: 1 }),
  cacheFailures: () => ({ get: 1 }),
  leadership: () => ({ 'background-sweeps': true }),
};
