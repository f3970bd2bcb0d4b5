// The filter applied before any strategy runs. Keeping it outside the
// strategies is what makes the placement invariants hold for every strategy,
// custom ones included.

import type { AgentCandidate } from './agent-candidate.js';
import type { PlacementRequest } from './strategy.js';

/** MAX_AGENT_LOAD in the seed's configuration. */
export const DEFAULT_MAX_AGENT_LOAD = 0.8;

export interface SchedulingLimits {
  /** Agents reporting a load above this (0..1) take no new work. */
  readonly maxAgentLoad: number;
}

export const DEFAULT_LIMITS: SchedulingLimits = { maxAgentLoad: DEFAULT_MAX_AGENT_LOAD };

export type Ineligibility =
  'disconnected' | 'missing_capability' | 'label_mismatch' | 'at_concurrency_limit' | 'overloaded';

/** Why the agent cannot take this command, or undefined when it can. */
export function ineligibility(
  agent: AgentCandidate,
  request: PlacementRequest,
  limits: SchedulingLimits,
): Ineligibility | undefined {
  if (!agent.connected) return 'disconnected';
  if (request.capability !== undefined && !agent.capabilities.has(request.capability))
    return 'missing_capability';
  if (request.labels !== undefined) {
    for (const [key, value] of Object.entries(request.labels))
      if (agent.labels[key] !== value) return 'label_mismatch';
  }
  if (!(agent.inFlight < agent.maxConcurrent)) return 'at_concurrency_limit';
  // Written so that a NaN load counts as overloaded.
  if (!(agent.load <= limits.maxAgentLoad)) return 'overloaded';
  return undefined;
}

export const isEligible = (agent: AgentCandidate, request: PlacementRequest, limits: SchedulingLimits) =>
  ineligibility(agent, request, limits) === undefined;
