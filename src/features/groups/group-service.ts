// Agent groups: create, read, list, update (at the revision the caller read),
// delete, static membership edits, and the reads other features build on —
// an agent's groups in precedence order, a group's members (paged, all ids
// capped for fan-out, or every page), and a summary. Every change commits with
// its event and audit entry; membership listeners hear of it after the commit.
// ADR 0010.
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { notFound, preconditionFailed } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import { watchAgentGroups, type AgentChange, type AgentGroupWatch } from './agent-group-watch.js';
import {
  compareGroupPrecedence,
  GroupKind,
  parseCreateGroup,
  parseGroupChanges,
  type Group,
} from './group.js';
import { changedSince, groupEvent } from './group-events.js';
import { collectMemberIds, MAX_GROUP_FANOUT, memberIdPages } from './group-members.js';
import type { GroupFilter, GroupMemberPage, GroupPage, MemberCounts } from './group-store.js';
import {
  addMembers,
  joinOnEnrollment,
  removeMembers,
  type MembersAdded,
  type MembersRemoved,
} from './member-edits.js';
import { MembershipChanges, type MembershipListener } from './membership-changes.js';

/** Counts by compliance state for a group's members; supplied by the configuration feature. */
export type ComplianceSummarySource = (group: Group) => Promise<Readonly<Record<string, number>>>;

export interface GroupSummary extends MemberCounts {
  readonly group: Group;
  /** Null until a compliance source is installed (useComplianceSummary). */
  readonly compliance: Readonly<Record<string, number>> | null;
}

export class GroupService {
  private readonly changes: MembershipChanges;
  private compliance: ComplianceSummarySource | undefined;

  constructor(
    private readonly db: Database,
    private readonly auditor: Auditor,
    private readonly events: EventFactory,
    private readonly ids: IdSource,
    private readonly clock: Clock,
    /** Hears of failures after a change committed (a throwing listener, a failed re-read). */
    private readonly onBackgroundError: (error: unknown) => void = () => undefined,
  ) {
    this.changes = new MembershipChanges(onBackgroundError);
  }

  /** Called after every commit that may have changed membership or precedence; returns `unsubscribe`. */
  onMembershipChanged(listener: MembershipListener): () => void {
    return this.changes.listen(listener);
  }

  /** The extension point for compliance counts in summary(); the configuration feature installs it. */
  useComplianceSummary(source: ComplianceSummarySource): void {
    this.compliance = source;
  }

  async create(context: RequestContext, body: unknown): Promise<Group> {
    const created = await this.auditor.run(
      context,
      { action: 'group.create', targetKind: 'group', targetId: null },
      async (stores) => {
        const request = parseCreateGroup(body);
        const now = this.clock.now();
        const actor = context.principal.actor;
        const group: Group = {
          id: this.ids.next(),
          name: request.name,
          description: request.description,
          kind: request.kind,
          selector: request.selector ?? null,
          priority: request.priority,
          createdAt: now,
          createdBy: actor,
          updatedAt: now,
          updatedBy: actor,
          revision: 1,
        };
        await stores.groups.insert(group);
        await stores.events.append([groupEvent(this.events, EventType.GroupCreated, group, actor, now)]);
        return group;
      },
      (group) => ({ targetId: group.id, details: { name: group.name, kind: group.kind } }),
    );
    await this.changes.announce(this.db.groups, [created.id], [created]);
    return created;
  }

  async get(id: string): Promise<Group> {
    const group = await this.db.groups.get(id);
    if (!group) throw notFound('group', id);
    return group;
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.groups.get(id)) !== undefined;
  }

  list(filter: GroupFilter, page: { afterId?: string; limit: number }): Promise<GroupPage> {
    return this.db.groups.list(filter, page);
  }

  /** Name, description, priority, and the selector of a dynamic group; only at `expectedRevision` when given. */
  async update(
    context: RequestContext,
    id: string,
    body: unknown,
    expectedRevision?: number,
  ): Promise<Group> {
    const { before, after } = await this.auditor.run(
      context,
      { action: 'group.update', targetKind: 'group', targetId: id },
      async (stores) => {
        const current = await stores.groups.get(id);
        if (!current) throw notFound('group', id);
        const changes = parseGroupChanges(body, current);
        if (expectedRevision !== undefined && expectedRevision !== current.revision)
          throw changedSince(current, expectedRevision);
        const actor = context.principal.actor;
        const updated = await stores.groups.update(
          id,
          { ...changes, updatedAt: this.clock.now(), updatedBy: actor },
          current.revision,
        );
        if (!updated) throw changedSince(current, expectedRevision ?? current.revision);
        await stores.events.append([
          groupEvent(this.events, EventType.GroupUpdated, updated, actor, this.clock.now(), {
            changed: Object.keys(changes).sort(),
            ...(changes.selector !== undefined && { previousSelector: current.selector }),
            ...(changes.priority !== undefined && { previousPriority: current.priority }),
          }),
        ]);
        return { before: current, after: updated };
      },
      ({ after }) => ({ details: { revision: after.revision } }),
    );
    const moved = JSON.stringify(before.selector) !== JSON.stringify(after.selector);
    if (moved || before.priority !== after.priority)
      await this.changes.announce(this.db.groups, [id], moved ? [before, after] : [after]);
    return after;
  }

  /** Deletes a group and its stored members; attachments of other features go when they hear group_deleted. */
  async delete(context: RequestContext, id: string, expectedRevision?: number): Promise<void> {
    const { group, staticMembers } = await this.auditor.run(
      context,
      { action: 'group.delete', targetKind: 'group', targetId: id },
      async (stores) => {
        const current = await stores.groups.get(id);
        if (!current) throw notFound('group', id);
        if (expectedRevision !== undefined && expectedRevision !== current.revision)
          throw changedSince(current, expectedRevision);
        // Stored rows go with the group: read them first, to tell the listeners who left.
        const members =
          current.kind === GroupKind.Static
            ? await collectMemberIds(stores.groups, current, MAX_GROUP_FANOUT)
            : [];
        if (!(await stores.groups.delete(id, current.revision)))
          throw changedSince(current, current.revision);
        await stores.events.append([
          groupEvent(this.events, EventType.GroupDeleted, current, context.principal.actor, this.clock.now()),
        ]);
        return { group: current, staticMembers: members };
      },
    );
    // A dynamic group's former members are still computable from its selector.
    await this.changes.announce(
      this.db.groups,
      [id],
      group.kind === GroupKind.Dynamic ? [group] : [],
      staticMembers,
    );
  }

  async addMembers(context: RequestContext, id: string, body: unknown): Promise<MembersAdded> {
    const result = await this.auditor.run(
      context,
      { action: 'group.add_members', targetKind: 'group', targetId: id },
      (stores) => addMembers(stores, id, body, this.editParts(context)),
      (done) => ({ details: { added: done.added.length, alreadyMembers: done.alreadyMembers.length } }),
    );
    this.changes.emit({ groupIds: result.added.length > 0 ? [id] : [], agentIds: result.added });
    return result;
  }

  /** `single`: the one agent named in the path must be a member (404 otherwise). */
  async removeMembers(
    context: RequestContext,
    id: string,
    body: unknown,
    options: { single?: boolean } = {},
  ): Promise<MembersRemoved> {
    const result = await this.auditor.run(
      context,
      { action: 'group.remove_members', targetKind: 'group', targetId: id },
      (stores) => removeMembers(stores, id, body, { ...this.editParts(context), ...options }),
      (done) => ({ details: { removed: done.removed.length, notMembers: done.notMembers.length } }),
    );
    this.changes.emit({ groupIds: result.removed.length > 0 ? [id] : [], agentIds: result.removed });
    return result;
  }

  /**
   * The groups an agent is in, the winner first: priority descending, then id
   * ascending (compareGroupPrecedence). Empty for unknown or decommissioned agents.
   */
  async groupsOf(agentId: string): Promise<Group[]> {
    return (await this.groupsOfMany([agentId])).get(agentId) ?? [];
  }

  /** groupsOf for many agents in a few queries; agents in no group are absent. */
  async groupsOfMany(agentIds: readonly string[]): Promise<Map<string, Group[]>> {
    const groups = await this.db.groups.groupsOfAgents(agentIds);
    for (const list of groups.values()) list.sort(compareGroupPrecedence);
    return groups;
  }

  async membersOf(groupId: string, page: { afterId?: string; limit: number }): Promise<GroupMemberPage> {
    return this.db.groups.members(await this.get(groupId), page);
  }

  /** Every member id, page by page, however large the group (bulk work that needs no cap). */
  async *memberIdPages(groupId: string): AsyncGenerator<readonly string[]> {
    yield* memberIdPages(this.db.groups, await this.get(groupId));
  }

  /** Every member id, uncapped; none for an unknown group (the configuration feature's GroupLookup). */
  async memberIds(groupId: string): Promise<string[]> {
    const group = await this.db.groups.get(groupId);
    const ids: string[] = [];
    if (group) for await (const page of memberIdPages(this.db.groups, group)) ids.push(...page);
    return ids;
  }

  /** Every member id for one fan-out; more than `max` (the selector-target cap) is refused. */
  async allMemberIds(groupId: string, max = MAX_GROUP_FANOUT): Promise<string[]> {
    const group = await this.get(groupId);
    const ids = await collectMemberIds(this.db.groups, group, max);
    if (ids.length > max)
      throw preconditionFailed(
        `group ${JSON.stringify(group.name)} has more than ${max} members, too many for one bulk operation; narrow it`,
      );
    return ids;
  }

  /** Member counts by connectivity and health (one grouped query), and compliance when a source is installed. */
  async summary(groupId: string): Promise<GroupSummary> {
    const group = await this.get(groupId);
    const counts = await this.db.groups.memberCounts(group);
    return { group, ...counts, compliance: this.compliance ? await this.compliance(group) : null };
  }

  /**
   * AgentService's hook at enrollment: the agent joins the static group its
   * enrollment secret names; why it did not (gone, dynamic, full), if so.
   */
  joinOnEnrollment(
    stores: Stores,
    join: { readonly groupId: string; readonly agentId: string; readonly actor: string },
  ): Promise<string | undefined> {
    return joinOnEnrollment(stores, { ...join, now: this.clock.now() });
  }

  /** AgentService's hook: follows an agent change that may move it in or out of groups. */
  watchAgent(stores: Stores, change: AgentChange): Promise<AgentGroupWatch> {
    return watchAgentGroups(stores, change, {
      events: this.events,
      clock: this.clock,
      changes: this.changes,
    });
  }

  private editParts(context: RequestContext) {
    return { events: this.events, actor: context.principal.actor, now: this.clock.now() };
  }
}
