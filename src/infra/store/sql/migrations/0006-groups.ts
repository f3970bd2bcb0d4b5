// Agent groups (ADR 0010): one row per group; the stored members of static
// groups; and the selector of dynamic groups mirrored pair by pair into a side
// table (as agent_labels mirrors agent labels), so "which dynamic groups does
// this agent match" is one set query instead of reading every selector. Dynamic
// membership itself is never stored. Portable DDL as in 0001.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('groups')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull().unique())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('kind', t.text, (c) => c.notNull())
    // JSON object of strings for dynamic groups, null for static ones.
    .addColumn('selector', t.text)
    .addColumn('priority', t.integer, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', t.text, (c) => c.notNull())
    .addColumn('revision', t.integer, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('groups_kind_idx').on('groups').column('kind').execute();

  await db.schema
    .createTable('group_members')
    .addColumn('group_id', t.text, (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('agent_id', t.text, (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addColumn('added_by', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'agent_id'])
    .execute();
  await db.schema.createIndex('group_members_agent_id_idx').on('group_members').column('agent_id').execute();

  await db.schema
    .createTable('group_selector_labels')
    .addColumn('group_id', t.text, (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('key', t.text, (c) => c.notNull())
    .addColumn('value', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('group_selector_labels_pk', ['group_id', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('group_selector_labels').execute();
  await db.schema.dropTable('group_members').execute();
  await db.schema.dropTable('groups').execute();
}
