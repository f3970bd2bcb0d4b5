// weighted: smooth weighted round robin (as in nginx) over each agent's
// capacity weight. Deterministic, so no random source is needed, and it
// interleaves rather than bursts: weights 5:1:1 give a a b a c a a, not a×5.

import { DEFAULT_CAPACITY_WEIGHT, type AgentCandidate } from './agent-candidate.js';
import { compareIds } from './least-loaded.js';
import type { BalancingStrategy } from './strategy.js';

export interface WeightedState {
  /** Each agent's running "current weight"; agents no longer eligible are dropped. */
  readonly current: ReadonlyMap<string, number>;
}

const weightOf = (agent: AgentCandidate): number =>
  Number.isFinite(agent.capacityWeight) && agent.capacityWeight > 0
    ? agent.capacityWeight
    : DEFAULT_CAPACITY_WEIGHT;

export const weighted: BalancingStrategy<WeightedState> = {
  name: 'weighted',
  initialState: { current: new Map() },
  choose(request, eligible, state) {
    const current = new Map<string, number>();
    for (const agent of eligible) current.set(agent.id, state.current.get(agent.id) ?? 0);
    // Sorted so that ties between equal current weights break the same way every time.
    const remaining = [...eligible].sort((a, b) => compareIds(a.id, b.id));
    const ranked: AgentCandidate[] = [];
    // Several agents for one command: repeat the pick among the agents not yet picked.
    while (ranked.length < request.count && remaining.length > 0) {
      let total = 0;
      let bestIndex = 0;
      let bestWeight = -Infinity;
      remaining.forEach((agent, index) => {
        const weight = weightOf(agent);
        total += weight;
        const next = (current.get(agent.id) ?? 0) + weight;
        current.set(agent.id, next);
        if (next > bestWeight) {
          bestWeight = next;
          bestIndex = index;
        }
      });
      const [best] = remaining.splice(bestIndex, 1);
      if (best === undefined) break;
      current.set(best.id, bestWeight - total);
      ranked.push(best);
    }
    return { ranked, state: { current } };
  },
};
