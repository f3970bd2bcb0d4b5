// Resolving a command's target to the agents it runs on, when it is created:
// an agent or a list (each must be enrolled), a label selector (the enrolled
// agents it matches then), a group (its enrolled members then, static or
// dynamic), the whole fleet (emergency controls), or, for a capability target,
// nobody yet: the scheduler places those children later.
import type { Stores } from '../../infra/store/stores.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { Connectivity } from '../health/health-model.js';
import type { AgentFilter } from '../agents/agent-store.js';
import { collectMemberIds } from '../groups/group-members.js';
import type { CommandTarget } from './command.js';
import { MAX_TARGET_AGENTS } from './command.js';

const PAGE = 500;
const ENROLLED = [Connectivity.Online, Connectivity.Offline, Connectivity.Inactive];

/** Who a target runs on: named agents, or `count` agents the scheduler will choose. */
export type ResolvedTarget =
  | { readonly kind: 'agents'; readonly agentIds: readonly string[] }
  | { readonly kind: 'unplaced'; readonly count: number };

export async function resolveTarget(stores: Stores, target: CommandTarget): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'agent':
    case 'agents': {
      const ids = target.kind === 'agent' ? [target.agentId] : [...target.agentIds];
      const enrolled = await stores.agents.enrolledAmong(ids);
      const violations: FieldViolation[] = ids.flatMap((agentId, i) =>
        enrolled.has(agentId)
          ? []
          : [
              {
                field: target.kind === 'agent' ? 'target.agentId' : `target.agentIds.${i}`,
                description: `no enrolled agent ${JSON.stringify(agentId)}`,
              },
            ],
      );
      if (violations.length > 0) throw invalidArgument('unknown target agents', violations);
      return { kind: 'agents', agentIds: ids };
    }
    case 'selector': {
      const ids = await enrolledAgentIds(stores, { labels: target.labels }, MAX_TARGET_AGENTS);
      if (ids.length > MAX_TARGET_AGENTS)
        throw invalidArgument('selector matches too many agents', [
          { field: 'target.labels', description: `matches more than ${MAX_TARGET_AGENTS} agents` },
        ]);
      if (ids.length === 0)
        throw invalidArgument('selector matches no agent', [
          { field: 'target.labels', description: 'matches no enrolled agent' },
        ]);
      return { kind: 'agents', agentIds: ids };
    }
    case 'capability':
      return { kind: 'unplaced', count: target.count };
    case 'group': {
      const refuse = (message: string, description: string) =>
        invalidArgument(message, [{ field: 'target.groupId', description }]);
      const group = await stores.groups.get(target.groupId);
      if (!group) throw refuse('unknown target group', `no group ${JSON.stringify(target.groupId)}`);
      const ids = await collectMemberIds(stores.groups, group, MAX_TARGET_AGENTS);
      if (ids.length > MAX_TARGET_AGENTS)
        throw refuse('group has too many members', `has more than ${MAX_TARGET_AGENTS} enrolled members`);
      if (ids.length === 0) throw refuse('group has no member', 'has no enrolled member');
      return { kind: 'agents', agentIds: ids };
    }
  }
}

/** Ids of enrolled (not decommissioned) agents matching `filter`, at most `max` + 1 (to tell "too many"). */
export async function enrolledAgentIds(
  stores: Stores,
  filter: Omit<AgentFilter, 'status'>,
  max: number,
): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  do {
    const page = await stores.agents.list(
      { ...filter, status: ENROLLED },
      { ...(afterId === undefined ? {} : { afterId }), limit: PAGE },
    );
    ids.push(...page.items.map((a) => a.id));
    afterId = page.nextAfterId;
  } while (afterId !== undefined && ids.length <= max);
  return ids.slice(0, max + 1);
}
