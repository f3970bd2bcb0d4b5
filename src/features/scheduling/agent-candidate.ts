// What the scheduler knows of one agent when it places a command: identity,
// what it can do, where it sits in the network, how busy it is and how well it
// has done lately. Plain data; built from the live fleet state by later wiring.

/** Label carrying an agent's relative capacity (a positive number, default 1). */
export const CAPACITY_LABEL = 'corral.io/capacity';
/** Label naming an agent's network segment (e.g. `dc1-dmz`). */
export const SEGMENT_LABEL = 'corral.io/network-segment';

export const DEFAULT_CAPACITY_WEIGHT = 1;

/** Recent outcomes, as exponentially weighted moving averages (see adaptive.ts). */
export interface AgentStats {
  readonly latencyEwmaMs: number;
  /** 0..1 */
  readonly failureEwma: number;
  readonly samples: number;
}

export const NO_STATS: AgentStats = { latencyEwmaMs: 0, failureEwma: 0, samples: 0 };

export interface AgentCandidate {
  readonly id: string;
  readonly capabilities: ReadonlySet<string>;
  readonly labels: Readonly<Record<string, string>>;
  /** IPv4 dotted quad, or undefined when unknown (never "local" then). */
  readonly ipAddress: string | undefined;
  /** Network segment name, from SEGMENT_LABEL unless given. */
  readonly segment: string | undefined;
  readonly connected: boolean;
  /** Commands dispatched to the agent and not finished. */
  readonly inFlight: number;
  /** Per-agent concurrency limit; an agent with inFlight >= maxConcurrent takes nothing. */
  readonly maxConcurrent: number;
  /** 0..1 from heartbeats (e.g. cpu). */
  readonly load: number;
  /** Relative capacity for the weighted strategy (> 0). */
  readonly capacityWeight: number;
  readonly stats: AgentStats;
}

/** Reads CAPACITY_LABEL; anything that is not a finite positive number gives the default. */
export function capacityWeightFromLabels(labels: Readonly<Record<string, string>>): number {
  const raw = labels[CAPACITY_LABEL];
  if (raw === undefined || raw.trim() === '') return DEFAULT_CAPACITY_WEIGHT;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_CAPACITY_WEIGHT;
}

export interface CandidateInput {
  readonly id: string;
  readonly capabilities?: Iterable<string>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ipAddress?: string;
  readonly segment?: string;
  readonly connected?: boolean;
  readonly inFlight?: number;
  readonly maxConcurrent?: number;
  readonly load?: number;
  readonly capacityWeight?: number;
  readonly stats?: AgentStats;
}

/** Builds a candidate, deriving capacity weight and segment from the labels when not given. */
export function makeCandidate(input: CandidateInput): AgentCandidate {
  const labels = input.labels ?? {};
  return {
    id: input.id,
    capabilities: new Set(input.capabilities ?? []),
    labels,
    ipAddress: input.ipAddress,
    segment: input.segment ?? labels[SEGMENT_LABEL],
    connected: input.connected ?? true,
    inFlight: input.inFlight ?? 0,
    maxConcurrent: input.maxConcurrent ?? 1,
    load: input.load ?? 0,
    capacityWeight: input.capacityWeight ?? capacityWeightFromLabels(labels),
    stats: input.stats ?? NO_STATS,
  };
}

/** Share of the agent's concurrency in use, 0..1 (1 when it has no slots at all). */
export const utilisation = (agent: AgentCandidate): number =>
  agent.maxConcurrent > 0 ? agent.inFlight / agent.maxConcurrent : 1;
