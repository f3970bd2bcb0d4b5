// CommandTypeStore over SQL (any Kysely dialect). A replace is one guarded
// UPDATE (`where revision = ?`), so two concurrent edits of the same revision
// cannot both succeed, whichever instance runs them.
import type { Selectable } from 'kysely';
import type { CommandTypesTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, insertOnce, toJson, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { CommandTypeReplacement, CommandTypeStore, StoredCommandType } from './command-type-store.js';

const toType = (row: Selectable<CommandTypesTable>): StoredCommandType => ({
  name: row.name,
  description: row.description,
  schema: fromJson(row.schema),
  example: row.example === null ? null : fromJson(row.example),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  updatedAt: Number(row.updated_at),
  updatedBy: row.updated_by,
  revision: Number(row.revision),
});

export class SqlCommandTypeStore implements CommandTypeStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(type: StoredCommandType): Promise<void> {
    await insertOnce(
      () =>
        this.db
          .insertInto('command_types')
          .values({
            name: type.name,
            description: type.description,
            schema: toJson(type.schema),
            example: type.example === null ? null : toJson(type.example),
            created_at: type.createdAt,
            created_by: type.createdBy,
            updated_at: type.updatedAt,
            updated_by: type.updatedBy,
            revision: type.revision,
          })
          .execute(),
      () => alreadyExists(`command type ${type.name} already exists`),
    );
  }

  async get(name: string): Promise<StoredCommandType | undefined> {
    const row = await this.db
      .selectFrom('command_types')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toType(row);
  }

  async list(): Promise<StoredCommandType[]> {
    const rows = await this.db.selectFrom('command_types').selectAll().orderBy('name').execute();
    return rows.map(toType);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('command_types')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async replace(
    name: string,
    replacement: CommandTypeReplacement,
    expectedRevision?: number,
  ): Promise<StoredCommandType | undefined> {
    let update = this.db
      .updateTable('command_types')
      .set((eb) => ({
        description: replacement.description,
        schema: toJson(replacement.schema),
        example: replacement.example === null ? null : toJson(replacement.example),
        updated_at: replacement.updatedAt,
        updated_by: replacement.updatedBy,
        revision: eb('revision', '+', 1),
      }))
      .where('name', '=', name);
    if (expectedRevision !== undefined) update = update.where('revision', '=', expectedRevision);
    const row = await update.returningAll().executeTakeFirst();
    return row && toType(row);
  }

  async delete(name: string, expectedRevision?: number): Promise<boolean> {
    let query = this.db.deleteFrom('command_types').where('name', '=', name);
    if (expectedRevision !== undefined) query = query.where('revision', '=', expectedRevision);
    const result = await query.executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
