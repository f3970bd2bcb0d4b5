// What the groups feature needs from persistence: group records (names unique,
// updated only at the revision the caller read), the stored members of static
// groups, and the set queries that compute membership — dynamic membership is
// never stored, it is read from the agents' labels each time. Every query is
// batched: none runs once per agent. SQL implementation: sql-group-store.ts;
// contract: group-store.contract.ts.
import type { Agent } from '../agents/agent.js';
import type { Connectivity } from '../health/health-model.js';
import type { Group, GroupChanges, GroupKind } from './group.js';

export interface GroupFilter {
  readonly kind?: GroupKind;
  /** Case-insensitive substring of the name. */
  readonly search?: string;
}

export interface GroupPage {
  readonly items: readonly Group[];
  readonly nextAfterId: string | undefined;
}

/** One member: the agent, and for static groups who added it when. */
export interface GroupMember {
  readonly agent: Agent;
  readonly addedAt: number | null;
  readonly addedBy: string | null;
}

export interface GroupMemberPage {
  readonly items: readonly GroupMember[];
  readonly nextAfterId: string | undefined;
}

export interface MemberIdPage {
  readonly ids: readonly string[];
  readonly nextAfterId: string | undefined;
}

/** Members by connectivity status and by health (stored state), from one grouped query. */
export interface MemberCounts {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byHealth: Readonly<Record<string, number>>;
}

/** What an update writes besides the changes; the revision goes up by one. */
export interface GroupUpdate extends GroupChanges {
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface GroupStore {
  /** already_exists when the name (or id) is taken. */
  insert(group: Group): Promise<void>;
  get(id: string): Promise<Group | undefined>;
  /** By id; keyset paging. */
  list(filter: GroupFilter, page: { afterId?: string; limit: number }): Promise<GroupPage>;
  /**
   * Applies changes only while the revision is `expectedRevision` (any when
   * undefined); the group after the change, or undefined when no row matched.
   * already_exists when the new name is taken.
   */
  update(id: string, update: GroupUpdate, expectedRevision?: number): Promise<Group | undefined>;
  /** Deletes a group with its stored members; only at `expectedRevision` when given. */
  delete(id: string, expectedRevision?: number): Promise<boolean>;

  /** Stores static memberships; returns the ids that were not members yet (the others are left as they were). */
  addMembers(groupId: string, agentIds: readonly string[], at: number, by: string): Promise<string[]>;
  /** Returns the ids that were stored members and are not any more. */
  removeMembers(groupId: string, agentIds: readonly string[]): Promise<string[]>;
  /** Stored rows of a static group, decommissioned agents included (for the size cap). */
  storedMemberCount(groupId: string): Promise<number>;
  /** Status of each of these agents that exists (decommissioned ones included). */
  agentStatuses(agentIds: readonly string[]): Promise<Map<string, Connectivity>>;

  /** Enrolled (not decommissioned) members of a group, by agent id. */
  members(group: Group, page: { afterId?: string; limit: number }): Promise<GroupMemberPage>;
  /** The same membership as ids only, for fan-out. */
  memberIds(group: Group, page: { afterId?: string; limit: number }): Promise<MemberIdPage>;
  memberCounts(group: Group): Promise<MemberCounts>;
  /**
   * The groups each enrolled agent among `agentIds` is in (static memberships
   * and matching dynamic groups), unordered. Agents in no group, unknown or
   * decommissioned agents are absent from the map.
   */
  groupsOfAgents(agentIds: readonly string[]): Promise<Map<string, Group[]>>;
}
