// Operator-registered command types (`custom:<name>`): one row per type, with the
// JSON Schema document of its parameters as text and a revision for If-Match.
// Built-in types live in code and have no row. Portable DDL as in 0001.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('command_types')
    .addColumn('name', t.text, (c) => c.primaryKey())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('schema', t.text, (c) => c.notNull())
    .addColumn('example', t.text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', t.text, (c) => c.notNull())
    .addColumn('revision', t.integer, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('command_types').execute();
}
