// locality: agents close to the command's target first (same /24 as the target
// IP, inside the target CIDR, carrying the locality label, or in the named
// segment), each group least loaded first. Remote agents still follow, so a
// target with no local agent is served by the least-loaded ones.

import type { AgentCandidate } from './agent-candidate.js';
import { byLeastLoaded } from './least-loaded.js';
import { inBlock, parseCidr, parseIpv4, slash24, type Ipv4Block } from './network.js';
import { defineStrategy, type LocalityHint } from './strategy.js';

/** Whether an agent counts as local to the hint. A malformed hint matches nobody (`place` rejects it first). */
export function localityMatcher(hint: LocalityHint | undefined): (agent: AgentCandidate) => boolean {
  if (hint === undefined) return () => false;
  switch (hint.kind) {
    case 'ip': {
      const target = parseIpv4(hint.ip);
      return target === undefined ? () => false : inside(slash24(target));
    }
    case 'cidr': {
      const block = parseCidr(hint.cidr);
      return block === undefined ? () => false : inside(block);
    }
    case 'label':
      return (agent) => agent.labels[hint.key] === hint.value;
    case 'segment':
      return (agent) => agent.segment !== undefined && agent.segment === hint.segment;
  }
}

function inside(block: Ipv4Block): (agent: AgentCandidate) => boolean {
  return (agent) => {
    const ip = agent.ipAddress === undefined ? undefined : parseIpv4(agent.ipAddress);
    return ip !== undefined && inBlock(ip, block);
  };
}

export const locality = defineStrategy('locality', (request, eligible) => {
  const isLocal = localityMatcher(request.locality);
  const local = eligible.filter(isLocal).sort(byLeastLoaded);
  const remote = eligible.filter((agent) => !isLocal(agent)).sort(byLeastLoaded);
  return [...local, ...remote];
});
