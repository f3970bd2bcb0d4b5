// adaptive: prefers agents that have recently been fast and reliable, scored
// from EWMAs of latency and failure that recordOutcome keeps up to date. It
// explores so that the scores stay honest: agents with too few samples are
// tried first, and now and then a random agent is moved to the front.

import { utilisation, type AgentCandidate, type AgentStats } from './agent-candidate.js';
import { byLeastLoaded } from './least-loaded.js';
import type { BalancingStrategy, RandomSource } from './strategy.js';

/** Weight of the newest outcome in the moving averages. */
export const DEFAULT_EWMA_ALPHA = 0.2;

/** Folds one finished command into an agent's stats; the first sample sets the averages outright. */
export function recordOutcome(
  stats: AgentStats,
  latencyMs: number,
  failed: boolean,
  alpha: number = DEFAULT_EWMA_ALPHA,
): AgentStats {
  const latency = Number.isFinite(latencyMs) ? Math.max(0, latencyMs) : stats.latencyEwmaMs;
  const failure = failed ? 1 : 0;
  if (stats.samples === 0) return { latencyEwmaMs: latency, failureEwma: failure, samples: 1 };
  return {
    latencyEwmaMs: stats.latencyEwmaMs + alpha * (latency - stats.latencyEwmaMs),
    failureEwma: stats.failureEwma + alpha * (failure - stats.failureEwma),
    samples: stats.samples + 1,
  };
}

export interface AdaptiveOptions {
  readonly random?: RandomSource;
  /** Chance (0..1) that a random agent is put first. */
  readonly explorationRate?: number;
  /** Agents with fewer samples than this are tried before any scored agent. */
  readonly minSamples?: number;
  /** What a certain failure costs, in milliseconds of latency. */
  readonly failurePenaltyMs?: number;
}

export const DEFAULT_ADAPTIVE_OPTIONS = {
  explorationRate: 0.1,
  minSamples: 3,
  failurePenaltyMs: 1_000,
} as const;

/** Lower is better: expected latency plus the failure penalty, inflated by how busy the agent is. */
export function adaptiveCost(
  agent: AgentCandidate,
  failurePenaltyMs: number = DEFAULT_ADAPTIVE_OPTIONS.failurePenaltyMs,
): number {
  const { latencyEwmaMs, failureEwma } = agent.stats;
  return (latencyEwmaMs + failurePenaltyMs * failureEwma) * (1 + utilisation(agent));
}

export function createAdaptiveStrategy(options: AdaptiveOptions = {}): BalancingStrategy {
  const random = options.random ?? Math.random;
  const rate = options.explorationRate ?? DEFAULT_ADAPTIVE_OPTIONS.explorationRate;
  const minSamples = options.minSamples ?? DEFAULT_ADAPTIVE_OPTIONS.minSamples;
  const penalty = options.failurePenaltyMs ?? DEFAULT_ADAPTIVE_OPTIONS.failurePenaltyMs;
  return {
    name: 'adaptive',
    initialState: undefined,
    choose(_request, eligible, state) {
      const untried = eligible
        .filter((a) => a.stats.samples < minSamples)
        .sort((a, b) => a.stats.samples - b.stats.samples || byLeastLoaded(a, b));
      const scored = eligible
        .filter((a) => a.stats.samples >= minSamples)
        .sort((a, b) => adaptiveCost(a, penalty) - adaptiveCost(b, penalty) || byLeastLoaded(a, b));
      const ranked = [...untried, ...scored];
      if (ranked.length > 1 && random() < rate) {
        const index = Math.min(ranked.length - 1, Math.floor(random() * ranked.length));
        const [explored] = ranked.splice(index, 1);
        if (explored !== undefined) ranked.unshift(explored);
      }
      return { ranked, state };
    },
  };
}

export const adaptive = createAdaptiveStrategy();
