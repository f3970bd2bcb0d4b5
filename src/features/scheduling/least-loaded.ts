// least_loaded: the agent using the smallest share of its concurrency first,
// then the lowest reported load. The comparator is shared by the strategies
// that fall back to "least loaded" to break their own ties.

import { utilisation, type AgentCandidate } from './agent-candidate.js';
import { defineStrategy } from './strategy.js';

/** Fewest inFlight relative to maxConcurrent, then lowest load, then id (so the order is total). */
export function byLeastLoaded(a: AgentCandidate, b: AgentCandidate): number {
  return utilisation(a) - utilisation(b) || a.load - b.load || compareIds(a.id, b.id);
}

export const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const leastLoaded = defineStrategy('least_loaded', (_request, eligible) =>
  [...eligible].sort(byLeastLoaded),
);
