// Test data for the agent store contract (and the stores that need an agent to
// exist first). Defaults are plausible; each test overrides what it is about.
import type { HeartbeatSample } from '../health/health-model.js';
import type { AgentLiveState, NewAgent } from './agent-store.js';

export const ENROLLED_AT = Date.UTC(2026, 0, 1);

export function newAgentFixture(id: string, overrides: Partial<NewAgent> = {}): NewAgent {
  return {
    id,
    name: `agent ${id}`,
    hostname: `${id}.example.internal`,
    ipAddress: '10.0.0.1',
    version: '1.0.0',
    type: 'edr',
    platform: 'linux',
    capabilities: ['scan'],
    labels: { env: 'prod' },
    credentialHash: `credential-hash-${id}`,
    enrolledAt: ENROLLED_AT,
    enrollmentSecretId: null,
    ...overrides,
  };
}

export function heartbeatFixture(overrides: Partial<HeartbeatSample> = {}): HeartbeatSample {
  return {
    sequence: 1,
    sentAtMs: ENROLLED_AT + 1_000,
    receivedAtMs: ENROLLED_AT + 1_005,
    cpuPercent: 12.5,
    memoryPercent: 40,
    memoryRssBytes: 120_000_000,
    load1: 0.7,
    queueDepth: 3,
    errorCount: 0,
    uptimeSeconds: 3_600,
    appliedConfigRevision: 'cfg-1',
    appliedPolicyRevision: 'pol-1',
    metrics: { events_per_second: 42.5 },
    ...overrides,
  };
}

export function liveStateFixture(id: string, overrides: Partial<AgentLiveState> = {}): AgentLiveState {
  const seenAt = overrides.lastSeenAt ?? ENROLLED_AT + 1_000;
  return {
    id,
    status: 'online',
    statusChangedAt: seenAt,
    health: 'healthy',
    healthReasons: [],
    healthChangedAt: seenAt,
    lastSeenAt: seenAt,
    lastHeartbeat: heartbeatFixture({ receivedAtMs: seenAt }),
    ...overrides,
  };
}
