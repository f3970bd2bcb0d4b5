// Turns a metrics reading into a wire Heartbeat: whole numbers where the
// protocol has integers, nothing negative, and a heartbeat even when the
// metrics source breaks, because the heartbeat's first job is to prove liveness.
import type { Heartbeat } from '../gen/proto/corral/agent/v1/Heartbeat.js';
import type { Logger } from '../shared/logger.js';
import { describeError } from './agent-rpc.js';
import type { HeartbeatMetrics, MetricsSource } from './metrics-source.js';

export interface HeartbeatInput {
  readonly agentId: string;
  readonly sequence: number;
  readonly sentAtMs: number;
  readonly metrics: HeartbeatMetrics;
  /** Commands the agent takes at once (0: not stated). */
  readonly commandCapacity?: number;
  /** The hashes of the configuration and policy set the agent runs ('' until it applied one). */
  readonly appliedConfigRevision?: string;
  readonly appliedPolicyRevision?: string;
}

const EMPTY_METRICS: HeartbeatMetrics = {
  cpuPercent: 0,
  memoryPercent: 0,
  memoryRssBytes: 0,
  load1: 0,
  uptimeSeconds: 0,
};

export function buildHeartbeat({
  agentId,
  sequence,
  sentAtMs,
  metrics: m,
  commandCapacity = 0,
  appliedConfigRevision = '',
  appliedPolicyRevision = '',
}: HeartbeatInput): Heartbeat {
  const finiteMetrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(m.metrics ?? {})) {
    if (Number.isFinite(value)) finiteMetrics[name] = value;
  }
  return {
    agentId,
    sequence,
    sentAtMs,
    cpuPercent: percent(m.cpuPercent),
    memoryPercent: percent(m.memoryPercent),
    memoryRssBytes: whole(m.memoryRssBytes),
    load1: Number.isFinite(m.load1) ? Math.max(0, m.load1) : 0,
    uptimeSeconds: whole(Math.floor(m.uptimeSeconds)),
    queueDepth: whole(m.queueDepth ?? 0),
    errorCount: whole(m.errorCount ?? 0),
    metrics: finiteMetrics,
    commandCapacity: whole(commandCapacity),
    appliedConfigRevision,
    appliedPolicyRevision,
  };
}

/** Reads the metrics source, or empty metrics (logged) if it throws. */
export function sampleMetrics(source: MetricsSource, logger: Logger): HeartbeatMetrics {
  try {
    return source();
  } catch (error) {
    logger.warn({ err: describeError(error) }, 'metrics source failed');
    return EMPTY_METRICS;
  }
}

const percent = (value: number): number => (Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0);
const whole = (value: number): number => (Number.isFinite(value) ? Math.max(0, Math.round(value)) : 0);
