// The candidates a capability placement chooses from: online agents with the
// capability and labels asked for (from the store), narrowed to those
// connected to this instance (they have a dispatch lane), with how busy each
// is (its lane), its CPU load (its last heartbeat) and its recent speed and
// reliability (the lane's outcome stats).
import type { Database } from '../../infra/store/stores.js';
import type { LaneLoad } from '../commands/command-dispatcher.js';
import { Connectivity } from '../health/health-model.js';
import { makeCandidate, type AgentCandidate } from './agent-candidate.js';
import type { CandidateSource } from './capability-scheduler.js';

const PAGE = 500;

export interface ConnectedAgents {
  /** The agent's lane here, or undefined when it is not connected to this instance. */
  laneLoad(agentId: string): LaneLoad | undefined;
  /** 0..1 from the agent's last heartbeat (CPU), or undefined when none arrived yet. */
  cpuLoad(agentId: string): number | undefined;
}

export function connectedCandidates(db: Database, connected: ConnectedAgents): CandidateSource {
  return async (request) => {
    const candidates: AgentCandidate[] = [];
    let afterId: string | undefined;
    do {
      const page = await db.agents.list(
        {
          status: [Connectivity.Online],
          ...(request.capability === undefined ? {} : { capability: request.capability }),
          ...(request.labels === undefined ? {} : { labels: request.labels }),
        },
        { ...(afterId === undefined ? {} : { afterId }), limit: PAGE },
      );
      for (const agent of page.items) {
        const lane = connected.laneLoad(agent.id);
        if (!lane) continue;
        candidates.push(
          makeCandidate({
            id: agent.id,
            capabilities: agent.capabilities,
            labels: agent.labels,
            ...(agent.ipAddress === '' ? {} : { ipAddress: agent.ipAddress }),
            connected: true,
            inFlight: lane.assigned,
            maxConcurrent: lane.capacity,
            load: connected.cpuLoad(agent.id) ?? 0,
            stats: lane.stats,
          }),
        );
      }
      afterId = page.nextAfterId;
    } while (afterId !== undefined);
    return candidates;
  };
}
