// What an agent reports about itself in each heartbeat, and the shape of the
// functions that produce it: real host metrics for the reference agent
// (host-metrics.ts), synthetic ones for simulated agents (synthetic-metrics.ts).

export interface HeartbeatMetrics {
  /** 0-100, share of the whole host's CPU. */
  readonly cpuPercent: number;
  /** 0-100, host memory in use. */
  readonly memoryPercent: number;
  readonly memoryRssBytes: number;
  readonly load1: number;
  readonly uptimeSeconds: number;
  readonly queueDepth?: number;
  /** Cumulative errors since the agent started. */
  readonly errorCount?: number;
  /** Free-form numeric metrics, by name. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** Called once per heartbeat; must be cheap and must not throw. */
export type MetricsSource = () => HeartbeatMetrics;
