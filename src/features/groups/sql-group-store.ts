// GroupStore over SQL (any Kysely dialect). Updates and deletes are guarded by
// the revision in the statement itself, so two instances cannot both apply a
// change to the same revision. The membership reads are in
// sql-group-membership.ts.
import type { Selectable } from 'kysely';
import type { GroupsTable } from '../../infra/store/sql/db-schema.js';
import {
  chunks,
  containsIgnoringAsciiCase,
  fetchLimit,
  inTransaction,
  insertOnce,
  keysetPage,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { Connectivity } from '../health/health-model.js';
import type { Group } from './group.js';
import { groupRow, replaceSelector, toGroup } from './group-rows.js';
import type {
  GroupFilter,
  GroupMemberPage,
  GroupPage,
  GroupStore,
  GroupUpdate,
  MemberCounts,
  MemberIdPage,
} from './group-store.js';
import { countMembers, groupsOfAgents, readMemberIds, readMembers } from './sql-group-membership.js';

const nameTaken = (name: string) => () =>
  alreadyExists(`a group named ${JSON.stringify(name)} already exists`);

/** Rows per multi-row insert of members (4 bound parameters each). */
const MEMBER_ROWS = Math.floor(MAX_BOUND_PARAMETERS / 4);

export class SqlGroupStore implements GroupStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(group: Group): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await insertOnce(
        () => trx.insertInto('groups').values(groupRow(group)).execute(),
        nameTaken(group.name),
      );
      await replaceSelector(trx, group.id, group.selector);
    });
  }

  async get(id: string): Promise<Group | undefined> {
    const row = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toGroup(row);
  }

  async list(filter: GroupFilter, page: { afterId?: string; limit: number }): Promise<GroupPage> {
    let query = this.db.selectFrom('groups').selectAll();
    if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
    if (filter.search !== undefined && filter.search !== '') {
      const search = filter.search;
      query = query.where((eb) => containsIgnoringAsciiCase(eb.ref('name'), search));
    }
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toGroup), nextAfterId };
  }

  async update(id: string, update: GroupUpdate, expectedRevision?: number): Promise<Group | undefined> {
    return inTransaction(this.db, async (trx) => {
      let query = trx
        .updateTable('groups')
        .set((eb) => ({
          ...(update.name !== undefined && { name: update.name }),
          ...(update.description !== undefined && { description: update.description }),
          ...(update.selector !== undefined && { selector: toJson(update.selector) }),
          ...(update.priority !== undefined && { priority: update.priority }),
          updated_at: update.updatedAt,
          updated_by: update.updatedBy,
          revision: eb('revision', '+', 1),
        }))
        .where('id', '=', id);
      if (expectedRevision !== undefined) query = query.where('revision', '=', expectedRevision);
      let row: Selectable<GroupsTable> | undefined;
      await insertOnce(
        async () => {
          row = await query.returningAll().executeTakeFirst();
        },
        nameTaken(update.name ?? ''),
      );
      if (!row) return undefined;
      if (update.selector !== undefined) await replaceSelector(trx, id, update.selector);
      return toGroup(row);
    });
  }

  async delete(id: string, expectedRevision?: number): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      let query = trx.deleteFrom('groups').where('id', '=', id);
      if (expectedRevision !== undefined) query = query.where('revision', '=', expectedRevision);
      if ((await query.executeTakeFirst()).numDeletedRows === 0n) return false;
      // The foreign keys cascade too; deleting explicitly keeps this right where they are not enforced.
      await trx.deleteFrom('group_members').where('group_id', '=', id).execute();
      await trx.deleteFrom('group_selector_labels').where('group_id', '=', id).execute();
      return true;
    });
  }

  /** A member another instance stores at the same moment is skipped, and reported by that instance only. */
  async addMembers(groupId: string, agentIds: readonly string[], at: number, by: string): Promise<string[]> {
    return inTransaction(this.db, async (trx) => {
      const present = await storedAmong(trx, groupId, agentIds);
      const candidates = [...new Set(agentIds)].filter((id) => !present.has(id));
      const inserted = new Set<string>();
      for (const part of chunks(candidates, MEMBER_ROWS)) {
        const rows = await trx
          .insertInto('group_members')
          .values(
            part.map((agentId) => ({ group_id: groupId, agent_id: agentId, added_at: at, added_by: by })),
          )
          .onConflict((oc) => oc.columns(['group_id', 'agent_id']).doNothing())
          .returning('agent_id')
          .execute();
        for (const row of rows) inserted.add(row.agent_id);
      }
      return candidates.filter((id) => inserted.has(id));
    });
  }

  async removeMembers(groupId: string, agentIds: readonly string[]): Promise<string[]> {
    return inTransaction(this.db, async (trx) => {
      const present = await storedAmong(trx, groupId, agentIds);
      const removed = [...new Set(agentIds)].filter((id) => present.has(id));
      for (const part of chunks(removed, MAX_BOUND_PARAMETERS - 1))
        await trx
          .deleteFrom('group_members')
          .where('group_id', '=', groupId)
          .where('agent_id', 'in', part)
          .execute();
      return removed;
    });
  }

  async storedMemberCount(groupId: string): Promise<number> {
    const row = await this.db
      .selectFrom('group_members')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('group_id', '=', groupId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async agentStatuses(agentIds: readonly string[]): Promise<Map<string, Connectivity>> {
    const statuses = new Map<string, Connectivity>();
    for (const part of chunks([...new Set(agentIds)], MAX_BOUND_PARAMETERS - 1)) {
      const rows = await this.db
        .selectFrom('agents')
        .select(['id', 'status'])
        .where('id', 'in', part)
        .execute();
      for (const row of rows) statuses.set(row.id, row.status as Connectivity);
    }
    return statuses;
  }

  members(group: Group, page: { afterId?: string; limit: number }): Promise<GroupMemberPage> {
    return readMembers(this.db, group, page);
  }

  memberIds(group: Group, page: { afterId?: string; limit: number }): Promise<MemberIdPage> {
    return readMemberIds(this.db, group, page);
  }

  memberCounts(group: Group): Promise<MemberCounts> {
    return countMembers(this.db, group);
  }

  groupsOfAgents(agentIds: readonly string[]): Promise<Map<string, Group[]>> {
    return groupsOfAgents(this.db, agentIds);
  }
}

async function storedAmong(
  db: SqlExecutor,
  groupId: string,
  agentIds: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(agentIds)], MAX_BOUND_PARAMETERS - 1)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('group_members')
      .select('agent_id')
      .where('group_id', '=', groupId)
      .where('agent_id', 'in', part)
      .execute();
    for (const row of rows) found.add(row.agent_id);
  }
  return found;
}
