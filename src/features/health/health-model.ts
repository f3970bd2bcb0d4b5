// The health model: connectivity (is the agent there?) and component health
// (is it well?) are kept apart. Pure rules, no I/O; property-tested in
// health-model.test.ts.

export const Connectivity = {
  Online: 'online',
  Offline: 'offline',
  Inactive: 'inactive',
  Decommissioned: 'decommissioned',
} as const;
export type Connectivity = (typeof Connectivity)[keyof typeof Connectivity];
export const CONNECTIVITY_VALUES = Object.values(Connectivity);

export const Health = {
  Unknown: 'unknown',
  Healthy: 'healthy',
  Degraded: 'degraded',
  Unhealthy: 'unhealthy',
} as const;
export type Health = (typeof Health)[keyof typeof Health];
export const HEALTH_VALUES = Object.values(Health);

/** What can happen to an agent's connectivity. */
export type ConnectivityEvent =
  | 'heartbeat' // a heartbeat or a stream opened
  | 'stream_closed'
  | 'timed_out' // silent for longer than AGENT_TIMEOUT
  | 'went_inactive' // silent for longer than MAX_INACTIVE_TIME
  | 'unregistered';

/**
 * The states a connectivity state may be reached from. Stores use it to guard
 * batched writes so that a late write never moves an agent backwards.
 */
export const CONNECTIVITY_PREDECESSORS: Readonly<Record<Connectivity, readonly Connectivity[]>> = {
  online: ['online', 'offline', 'inactive'],
  offline: ['online', 'offline'],
  inactive: ['online', 'offline', 'inactive'],
  decommissioned: ['online', 'offline', 'inactive', 'decommissioned'],
};

export function nextConnectivity(current: Connectivity, event: ConnectivityEvent): Connectivity {
  if (current === Connectivity.Decommissioned) return current;
  switch (event) {
    case 'heartbeat':
      return Connectivity.Online;
    case 'stream_closed':
    case 'timed_out':
      return current === Connectivity.Online ? Connectivity.Offline : current;
    case 'went_inactive':
      return Connectivity.Inactive;
    case 'unregistered':
      return Connectivity.Decommissioned;
  }
}

/** What an agent reports in a heartbeat (validated at the transport edge). */
export interface HeartbeatSample {
  readonly sequence: number;
  readonly sentAtMs: number;
  readonly receivedAtMs: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly memoryRssBytes: number;
  readonly load1: number;
  readonly queueDepth: number;
  readonly errorCount: number;
  readonly uptimeSeconds: number;
  readonly appliedConfigRevision: string;
  readonly appliedPolicyRevision: string;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface HealthThresholds {
  readonly cpuPercent: { readonly degraded: number; readonly unhealthy: number };
  readonly memoryPercent: { readonly degraded: number; readonly unhealthy: number };
  readonly queueDepth: { readonly degraded: number; readonly unhealthy: number };
  /** New errors per minute between two heartbeats. */
  readonly errorsPerMinute: { readonly degraded: number; readonly unhealthy: number };
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  cpuPercent: { degraded: 85, unhealthy: 97 },
  memoryPercent: { degraded: 85, unhealthy: 95 },
  queueDepth: { degraded: 1_000, unhealthy: 10_000 },
  errorsPerMinute: { degraded: 10, unhealthy: 100 },
};

export interface HealthAssessment {
  readonly health: Health;
  /** Why it is not healthy, e.g. `cpu_percent 98.2 >= 97`. Empty when healthy. */
  readonly reasons: readonly string[];
}

const RANK: Record<Health, number> = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3 };

/** Judges one heartbeat against thresholds; `previous` gives the error rate. */
export function assessHeartbeat(
  sample: HeartbeatSample,
  previous: HeartbeatSample | undefined,
  thresholds: HealthThresholds = DEFAULT_THRESHOLDS,
): HealthAssessment {
  const findings: { health: Health; reason: string }[] = [];
  const check = (name: string, value: number, limits: { degraded: number; unhealthy: number }) => {
    if (value >= limits.unhealthy)
      findings.push({ health: Health.Unhealthy, reason: `${name} ${round(value)} >= ${limits.unhealthy}` });
    else if (value >= limits.degraded)
      findings.push({ health: Health.Degraded, reason: `${name} ${round(value)} >= ${limits.degraded}` });
  };
  check('cpu_percent', sample.cpuPercent, thresholds.cpuPercent);
  check('memory_percent', sample.memoryPercent, thresholds.memoryPercent);
  check('queue_depth', sample.queueDepth, thresholds.queueDepth);
  if (previous && sample.errorCount >= previous.errorCount && sample.receivedAtMs > previous.receivedAtMs) {
    const minutes = (sample.receivedAtMs - previous.receivedAtMs) / 60_000;
    check(
      'errors_per_minute',
      (sample.errorCount - previous.errorCount) / minutes,
      thresholds.errorsPerMinute,
    );
  }
  const worst = findings.reduce<Health>(
    (acc, f) => (RANK[f.health] > RANK[acc] ? f.health : acc),
    Health.Healthy,
  );
  return { health: worst, reasons: findings.map((f) => f.reason) };
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * Flapping suppression: a new health only takes effect after it has been
 * assessed `confirmations` times in a row. The first assessment of an agent
 * whose health is unknown takes effect at once.
 */
export interface HealthTrackerState {
  readonly current: Health;
  readonly reasons: readonly string[];
  readonly candidate: Health | undefined;
  readonly candidateCount: number;
  readonly changedAtMs: number;
}

export const initialHealthState = (
  current: Health = Health.Unknown,
  changedAtMs = 0,
): HealthTrackerState => ({
  current,
  reasons: [],
  candidate: undefined,
  candidateCount: 0,
  changedAtMs,
});

export interface HealthObservation {
  readonly state: HealthTrackerState;
  /** Set when the effective health changed with this observation. */
  readonly changedFrom: Health | undefined;
}

export function observeHealth(
  state: HealthTrackerState,
  assessment: HealthAssessment,
  nowMs: number,
  confirmations: number,
): HealthObservation {
  if (assessment.health === state.current) {
    // The common case, every heartbeat of a steady agent: keep the same object (no garbage on the hot path).
    if (state.candidate === undefined && sameReasons(state.reasons, assessment.reasons))
      return { state, changedFrom: undefined };
    return {
      state: { ...state, reasons: assessment.reasons, candidate: undefined, candidateCount: 0 },
      changedFrom: undefined,
    };
  }
  const count = state.candidate === assessment.health ? state.candidateCount + 1 : 1;
  if (state.current === Health.Unknown || count >= confirmations) {
    return {
      state: {
        current: assessment.health,
        reasons: assessment.reasons,
        candidate: undefined,
        candidateCount: 0,
        changedAtMs: nowMs,
      },
      changedFrom: state.current,
    };
  }
  return { state: { ...state, candidate: assessment.health, candidateCount: count }, changedFrom: undefined };
}

function sameReasons(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((reason, i) => reason === b[i]);
}
