// The after-commit signal other features (configuration, policies) follow to
// recompute what an agent gets from its groups. A change names the groups
// whose members may have changed and the agents whose groups (or their order)
// may have changed; either list may be empty. It is a hint to recompute, sent
// only after the change committed: listeners read the current state themselves.
import type { GroupStore } from './group-store.js';
import type { Group } from './group.js';
import { memberIdPages } from './group-members.js';

export interface MembershipChange {
  /** Fresh arrays for each listener call: a listener may keep them. */
  readonly groupIds: string[];
  readonly agentIds: string[];
}

/** May be async: a rejection is reported like a throw. */
export type MembershipListener = (change: MembershipChange) => unknown;

export class MembershipChanges {
  private readonly listeners = new Set<MembershipListener>();

  /** `onError` hears of a listener that threw; the change itself has committed and stands. */
  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  /** Returns the function that stops listening. */
  listen(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * After a commit: `groupIds` changed, and every current member of `groups`
   * (plus `agentIds`) may be affected. A failure to read the members is
   * reported, not thrown: the change itself has committed.
   */
  async announce(
    store: GroupStore,
    groupIds: readonly string[],
    groups: readonly Group[],
    agentIds: readonly string[] = [],
  ): Promise<void> {
    try {
      const members = new Set(agentIds);
      for (const group of groups)
        for await (const page of memberIdPages(store, group)) for (const id of page) members.add(id);
      this.emit({ groupIds, agentIds: [...members] });
    } catch (error) {
      this.onError(error);
    }
  }

  emit(change: { readonly groupIds: readonly string[]; readonly agentIds: readonly string[] }): void {
    if (change.groupIds.length === 0 && change.agentIds.length === 0) return;
    for (const listener of this.listeners) {
      try {
        const done = listener({
          groupIds: [...new Set(change.groupIds)],
          agentIds: [...new Set(change.agentIds)],
        });
        if (done instanceof Promise) done.catch(this.onError);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
