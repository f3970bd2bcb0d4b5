// The edge between protobuf messages and domain types: validates what agents
// send (naming the offending proto field) and builds what the server sends.
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import type { AgentFacts } from '../../features/agents/agent.js';
import type { HeartbeatSample } from '../../features/health/health-model.js';
import type { AgentFacts__Output } from '../../gen/proto/corral/agent/v1/AgentFacts.js';
import type { Heartbeat__Output } from '../../gen/proto/corral/agent/v1/Heartbeat.js';

const MAX_METRICS = 64;
const MAX_METRIC_NAME = 64;
const MAX_REVISION = 128;
/** Agent clocks may be off; beyond this the reported time is clearly wrong. */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

export function factsFromWire(facts: AgentFacts__Output | null): AgentFacts {
  return {
    name: facts?.name ?? '',
    hostname: facts?.hostname ?? '',
    ipAddress: facts?.ipAddress ?? '',
    version: facts?.version ?? '',
    type: facts?.type ?? '',
    platform: facts?.platform ?? '',
    capabilities: facts?.capabilities ?? [],
    labels: facts?.labels ?? {},
  };
}

/** Validates a heartbeat; `prefix` names where it sits in the request (e.g. `heartbeat`). */
export function heartbeatFromWire(
  message: Heartbeat__Output | null,
  prefix: string,
  receivedAtMs: number,
): HeartbeatSample {
  if (!message)
    throw invalidArgument('heartbeat is required', [{ field: prefix, description: 'is required' }]);
  const violations: FieldViolation[] = [];
  const field = (name: string) => `${prefix}.${name}`;
  const range = (name: string, value: number, min: number, max: number) => {
    if (!Number.isFinite(value) || value < min || value > max)
      violations.push({ field: field(name), description: `must be between ${min} and ${max}, got ${value}` });
  };
  range('cpu_percent', message.cpuPercent, 0, 100);
  range('memory_percent', message.memoryPercent, 0, 100);
  range('load1', message.load1, 0, 1e6);
  range('memory_rss_bytes', message.memoryRssBytes, 0, Number.MAX_SAFE_INTEGER);
  range('error_count', message.errorCount, 0, Number.MAX_SAFE_INTEGER);
  range('uptime_seconds', message.uptimeSeconds, 0, Number.MAX_SAFE_INTEGER);
  range('sequence', message.sequence, 0, Number.MAX_SAFE_INTEGER);
  if (message.sentAtMs !== 0 && Math.abs(message.sentAtMs - receivedAtMs) > MAX_CLOCK_SKEW_MS) {
    violations.push({
      field: field('sent_at_ms'),
      description: 'is more than 24 hours away from the server clock',
    });
  }
  for (const name of ['appliedConfigRevision', 'appliedPolicyRevision'] as const) {
    if (message[name].length > MAX_REVISION)
      violations.push({
        field: field(snake(name)),
        description: `must be at most ${MAX_REVISION} characters`,
      });
  }
  const metrics = message.metrics ?? {};
  const names = Object.keys(metrics);
  if (names.length > MAX_METRICS)
    violations.push({ field: field('metrics'), description: `at most ${MAX_METRICS} entries` });
  for (const name of names) {
    if (name.length === 0 || name.length > MAX_METRIC_NAME || !Number.isFinite(metrics[name])) {
      violations.push({
        field: field(`metrics.${name.slice(0, MAX_METRIC_NAME)}`),
        description: 'needs a 1-64 character name and a finite value',
      });
    }
  }
  if (violations.length > 0) throw invalidArgument('malformed heartbeat', violations);
  return {
    sequence: message.sequence,
    sentAtMs: message.sentAtMs,
    receivedAtMs,
    cpuPercent: message.cpuPercent,
    memoryPercent: message.memoryPercent,
    memoryRssBytes: message.memoryRssBytes,
    load1: message.load1,
    queueDepth: message.queueDepth,
    errorCount: message.errorCount,
    uptimeSeconds: message.uptimeSeconds,
    appliedConfigRevision: message.appliedConfigRevision,
    appliedPolicyRevision: message.appliedPolicyRevision,
    metrics: { ...metrics },
  };
}

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
