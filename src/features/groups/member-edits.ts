// Adding agents to and removing them from static groups, inside the caller's
// transaction: the request checked (each bad id named by its index), the
// stored rows written in batches, the size cap kept, and one
// group_membership_changed event for the group. Dynamic groups refuse both:
// their members are whoever matches the selector.
import { z } from 'zod';
import type { Stores } from '../../infra/store/stores.js';
import { invalidArgument, notFound, preconditionFailed, type FieldViolation } from '../../shared/errors.js';
import { agentIdSchema, validate } from '../agents/agent.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { Connectivity } from '../health/health-model.js';
import { GroupKind, type Group } from './group.js';
import { MAX_GROUP_FANOUT } from './group-members.js';

/** Agent ids one add or remove request may name. */
export const MAX_MEMBERS_PER_REQUEST = 1_000;
/** Stored members of one static group: the whole group always fits one command target. */
export const MAX_STATIC_MEMBERS = MAX_GROUP_FANOUT;

export const memberListSchema = z.strictObject({
  agentIds: z
    .array(agentIdSchema)
    .min(1, 'at least one agent')
    .max(MAX_MEMBERS_PER_REQUEST, `at most ${MAX_MEMBERS_PER_REQUEST} agents per request`),
});

export interface MembersAdded {
  readonly group: Group;
  /** Newly stored members, in request order. */
  readonly added: readonly string[];
  /** Named in the request and already members (left as they were). */
  readonly alreadyMembers: readonly string[];
}

export interface MembersRemoved {
  readonly group: Group;
  readonly removed: readonly string[];
  /** Named in the request but not stored members (nothing to do). */
  readonly notMembers: readonly string[];
}

export interface EditParts {
  readonly events: EventFactory;
  readonly actor: string;
  readonly now: number;
}

async function staticGroup(stores: Stores, groupId: string): Promise<Group> {
  const group = await stores.groups.get(groupId);
  if (!group) throw notFound('group', groupId);
  if (group.kind === GroupKind.Dynamic)
    throw preconditionFailed(
      `group ${JSON.stringify(group.name)} is dynamic: its members are the agents matching its selector; change the selector or the agents' labels`,
    );
  return group;
}

export async function addMembers(
  stores: Stores,
  groupId: string,
  body: unknown,
  parts: EditParts,
): Promise<MembersAdded> {
  const { agentIds } = validate(memberListSchema, body);
  const group = await staticGroup(stores, groupId);
  const statuses = await stores.groups.agentStatuses(agentIds);
  const violations: FieldViolation[] = agentIds.flatMap((agentId, i) => {
    const status = statuses.get(agentId);
    if (status === undefined)
      return [{ field: `agentIds.${i}`, description: `no agent ${JSON.stringify(agentId)}` }];
    if (status === Connectivity.Decommissioned)
      return [{ field: `agentIds.${i}`, description: `agent ${JSON.stringify(agentId)} is decommissioned` }];
    return [];
  });
  if (violations.length > 0) throw invalidArgument('these agents cannot join a group', violations);
  const added = await stores.groups.addMembers(group.id, agentIds, parts.now, parts.actor);
  const size = await stores.groups.storedMemberCount(group.id);
  if (size > MAX_STATIC_MEMBERS)
    // Thrown inside the transaction: nothing of this request is stored.
    throw preconditionFailed(
      `group ${JSON.stringify(group.name)} would have ${size} members; a static group holds at most ${MAX_STATIC_MEMBERS}`,
    );
  if (added.length > 0)
    await stores.events.append([membershipEvent(group, added, [], 'members_added', parts)]);
  const fresh = new Set(added);
  return { group, added, alreadyMembers: [...new Set(agentIds)].filter((id) => !fresh.has(id)) };
}

/** `single`: one agent named in the path, so "not a member" is a 404 rather than a no-op. */
export async function removeMembers(
  stores: Stores,
  groupId: string,
  body: unknown,
  parts: EditParts & { readonly single?: boolean },
): Promise<MembersRemoved> {
  const { agentIds } = validate(memberListSchema, body);
  const group = await staticGroup(stores, groupId);
  const removed = await stores.groups.removeMembers(group.id, agentIds);
  if (parts.single && removed.length === 0)
    throw notFound(`member of group ${JSON.stringify(group.id)}: agent`, agentIds[0] ?? '');
  if (removed.length > 0)
    await stores.events.append([membershipEvent(group, [], removed, 'members_removed', parts)]);
  const gone = new Set(removed);
  return { group, removed, notMembers: [...new Set(agentIds)].filter((id) => !gone.has(id)) };
}

/**
 * Adds an agent just enrolled (or reinstated) to the static group its
 * enrollment secret names, inside the enrollment's transaction. It never
 * refuses the enrollment: a group that is gone, dynamic or full is skipped,
 * and why is returned (undefined when the agent is a member). The
 * group_membership_changed event comes from the enrollment's group watch.
 */
export async function joinOnEnrollment(
  stores: Stores,
  join: { readonly groupId: string; readonly agentId: string; readonly actor: string; readonly now: number },
): Promise<string | undefined> {
  const group = await stores.groups.get(join.groupId);
  if (!group) return 'the group no longer exists';
  if (group.kind === GroupKind.Dynamic)
    return `group ${JSON.stringify(group.name)} is dynamic: its members are the agents matching its selector`;
  const added = await stores.groups.addMembers(group.id, [join.agentId], join.now, join.actor);
  if (added.length > 0 && (await stores.groups.storedMemberCount(group.id)) > MAX_STATIC_MEMBERS) {
    await stores.groups.removeMembers(group.id, added);
    return `group ${JSON.stringify(group.name)} already holds ${MAX_STATIC_MEMBERS} members, its maximum`;
  }
  return undefined;
}

function membershipEvent(group: Group, added: string[], removed: string[], reason: string, parts: EditParts) {
  return parts.events.make(
    EventType.GroupMembershipChanged,
    { kind: 'group', id: group.id },
    parts.actor,
    { added, removed, reason },
    parts.now,
  );
}
