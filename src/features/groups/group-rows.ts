// Mapping between groups and their SQL rows, and keeping the selector side
// table (group_selector_labels, used only to find an agent's dynamic groups)
// in step with the row's selector.
import type { Insertable, Selectable } from 'kysely';
import type { GroupsTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, toJson, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import type { Group, GroupKind } from './group.js';

export const toGroup = (row: Selectable<GroupsTable>): Group => ({
  id: row.id,
  name: row.name,
  description: row.description,
  kind: row.kind as GroupKind,
  selector: row.selector === null ? null : fromJson<Record<string, string>>(row.selector),
  priority: Number(row.priority),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  updatedAt: Number(row.updated_at),
  updatedBy: row.updated_by,
  revision: Number(row.revision),
});

export const groupRow = (group: Group): Insertable<GroupsTable> => ({
  id: group.id,
  name: group.name,
  description: group.description,
  kind: group.kind,
  selector: group.selector === null ? null : toJson(group.selector),
  priority: group.priority,
  created_at: group.createdAt,
  created_by: group.createdBy,
  updated_at: group.updatedAt,
  updated_by: group.updatedBy,
  revision: group.revision,
});

export async function replaceSelector(
  db: SqlExecutor,
  groupId: string,
  selector: Readonly<Record<string, string>> | null,
): Promise<void> {
  await db.deleteFrom('group_selector_labels').where('group_id', '=', groupId).execute();
  const rows = Object.entries(selector ?? {}).map(([key, value]) => ({ group_id: groupId, key, value }));
  if (rows.length > 0) await db.insertInto('group_selector_labels').values(rows).execute();
}
