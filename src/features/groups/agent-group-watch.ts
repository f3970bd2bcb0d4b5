// Follows one agent change that can move the agent in or out of groups —
// enrollment, re-enrollment (new facts), a label edit, unregistration — for
// AgentService's lifecycle hook. Inside the change's transaction it reads the
// agent's groups before and after the write and appends one
// group_membership_changed event per group entered or left (outbox: they
// commit with the change); after the commit it tells the membership listeners.
import type { Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { EventType } from '../events/event.js';
import type { EventFactory } from '../events/event-factory.js';
import type { MembershipChanges } from './membership-changes.js';

export interface AgentChange {
  readonly agentId: string;
  /** Who caused it: `agent:<id>` or `api_key:<id>`. */
  readonly actor: string;
  /** `enrolled`, `re_enrolled`, `labels_changed`, `unregistered`: recorded in the events. */
  readonly reason: string;
  /** The agent did not exist before this change (a first enrollment): it was in no group. */
  readonly isNew?: boolean;
}

export interface AgentGroupWatch {
  /** In the same transaction, after the write. */
  written(): Promise<void>;
  /** After the commit. */
  committed(): void;
}

export async function watchAgentGroups(
  stores: Stores,
  change: AgentChange,
  parts: { readonly events: EventFactory; readonly clock: Clock; readonly changes: MembershipChanges },
): Promise<AgentGroupWatch> {
  const groupIdsNow = async () =>
    new Set(
      ((await stores.groups.groupsOfAgents([change.agentId])).get(change.agentId) ?? []).map((g) => g.id),
    );
  // A first enrollment skips the read: it runs for every new agent, so at fleet roll-out thousands a minute.
  const before = change.isNew ? new Set<string>() : await groupIdsNow();
  let moved: string[] = [];
  return {
    async written() {
      const after = await groupIdsNow();
      const entered = [...after].filter((id) => !before.has(id)).sort();
      const left = [...before].filter((id) => !after.has(id)).sort();
      moved = [...entered, ...left];
      const now = parts.clock.now();
      const event = (groupId: string, added: string[], removed: string[]) =>
        parts.events.make(
          EventType.GroupMembershipChanged,
          { kind: 'group', id: groupId },
          change.actor,
          { added, removed, reason: change.reason },
          now,
        );
      const events = [
        ...entered.map((id) => event(id, [change.agentId], [])),
        ...left.map((id) => event(id, [], [change.agentId])),
      ];
      if (events.length > 0) await stores.events.append(events);
    },
    committed() {
      if (moved.length > 0) parts.changes.emit({ groupIds: moved, agentIds: [change.agentId] });
    },
  };
}
