// round_robin: agents in id order, starting after the last one assigned. The
// cursor is an id rather than an index so agents joining or leaving do not
// make the rotation skip or repeat anyone.

import type { AgentCandidate } from './agent-candidate.js';
import { compareIds } from './least-loaded.js';
import type { BalancingStrategy } from './strategy.js';

export interface RoundRobinState {
  /** The last agent handed out, undefined before the first placement. */
  readonly lastId: string | undefined;
}

export const roundRobin: BalancingStrategy<RoundRobinState> = {
  name: 'round_robin',
  initialState: { lastId: undefined },
  choose(request, eligible, state) {
    const sorted = [...eligible].sort((a, b) => compareIds(a.id, b.id));
    const last = state.lastId;
    const found = last === undefined ? -1 : sorted.findIndex((agent) => compareIds(agent.id, last) > 0);
    const start = found === -1 ? 0 : found;
    const ranked: AgentCandidate[] = [...sorted.slice(start), ...sorted.slice(0, start)];
    const taken = Math.min(request.count, ranked.length);
    return { ranked, state: taken === 0 ? state : { lastId: ranked[taken - 1]?.id } };
  },
};
