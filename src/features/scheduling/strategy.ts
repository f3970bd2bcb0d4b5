// The one contract every load-balancing strategy implements, built-in or
// custom. A strategy only orders agents that are already eligible
// (eligibility.ts); `place` (scheduler-core.ts) enforces the invariants, so a
// strategy cannot assign an ineligible agent, an agent twice or too many agents.

import type { AgentCandidate } from './agent-candidate.js';
import type { CommandPriority } from '../commands/command-priority.js';

/** Where the command's target is, so agents near it can be preferred. */
export type LocalityHint =
  /** Prefer agents in the same /24 as this IPv4 address. */
  | { readonly kind: 'ip'; readonly ip: string }
  /** Prefer agents inside this IPv4 block. */
  | { readonly kind: 'cidr'; readonly cidr: string }
  /** Prefer agents carrying this label. */
  | { readonly kind: 'label'; readonly key: string; readonly value: string }
  /** Prefer agents in this network segment. */
  | { readonly kind: 'segment'; readonly segment: string };

export interface PlacementRequest {
  /** How many distinct agents should run the command (an integer >= 0). */
  readonly count: number;
  readonly capability?: string;
  /** Every one must be present on the agent with exactly this value. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly locality?: LocalityHint;
  readonly priority: CommandPriority;
}

/** A strategy's answer: agents in order of preference, and its next state. */
export interface StrategyChoice<S> {
  /**
   * Preferred agents first. Only the first `request.count` eligible, distinct
   * entries are used; leaving agents out is allowed (a filtering strategy), and
   * `place` reports the shortfall.
   */
  readonly ranked: readonly AgentCandidate[];
  readonly state: S;
}

/**
 * A load-balancing strategy. State (a round-robin cursor, smooth weights) is
 * passed in and handed back rather than kept inside, so a strategy is a value
 * that the scheduler can share and tests can replay. Strategies that need
 * randomness take a RandomSource when they are created.
 */
export interface BalancingStrategy<S = undefined> {
  /** Lower snake case; the value of LOAD_BALANCING_STRATEGY that selects it. */
  readonly name: string;
  readonly initialState: S;
  choose(request: PlacementRequest, eligible: readonly AgentCandidate[], state: S): StrategyChoice<S>;
}

/** Returns a number in [0, 1), like Math.random; injected so tests are deterministic. */
export type RandomSource = () => number;

/** The short way to write a strategy that keeps no state. */
export function defineStrategy(
  name: string,
  rank: (request: PlacementRequest, eligible: readonly AgentCandidate[]) => readonly AgentCandidate[],
): BalancingStrategy {
  return {
    name,
    initialState: undefined,
    choose: (request, eligible, state) => ({ ranked: rank(request, eligible), state }),
  };
}
