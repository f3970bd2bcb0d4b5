// Reading a group's whole membership as agent ids, page by page (keyset, one
// query per page): as an async iterator for bulk work of any size, or as one
// list capped for fan-out (command targets), like selector targets.
import type { GroupStore } from './group-store.js';
import type { Group } from './group.js';

/** Most agent ids one fan-out takes from a group: the cap of selector targets (MAX_TARGET_AGENTS). */
export const MAX_GROUP_FANOUT = 10_000;

/** Ids per query when reading all members. */
const ID_PAGE = 2_000;

/** Every enrolled member's id, in id order, one page at a time. */
export async function* memberIdPages(
  store: GroupStore,
  group: Group,
  pageSize = ID_PAGE,
): AsyncGenerator<readonly string[]> {
  let afterId: string | undefined;
  do {
    const page = await store.memberIds(group, {
      ...(afterId === undefined ? {} : { afterId }),
      limit: pageSize,
    });
    if (page.ids.length > 0) yield page.ids;
    afterId = page.nextAfterId;
  } while (afterId !== undefined);
}

/**
 * Member ids, at most `max` + 1 of them (one more than allowed tells the
 * caller "too many" without reading the rest of a large group).
 */
export async function collectMemberIds(store: GroupStore, group: Group, max: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of memberIdPages(store, group, Math.min(ID_PAGE, max + 1))) {
    ids.push(...page);
    if (ids.length > max) break;
  }
  return ids.slice(0, max + 1);
}
