// Configuration backups (ADR 0013): one row per backup, holding the backup
// document exactly as it was made (JSON text) with its checksum and size copied
// into columns, so listings never read documents. The scope (`fleet`,
// `group:<id>`, `agent:<id>`) is indexed for listings filtered by it. Portable
// DDL as in 0001.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('backups')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('scope', t.text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .addColumn('checksum', t.text, (c) => c.notNull())
    .addColumn('size', t.integer, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('backups_scope_idx').on('backups').columns(['scope', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('backups').execute();
}
