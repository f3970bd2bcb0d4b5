// Security policies (ADR 0011): one row per policy holding its current version,
// every version as an immutable snapshot, and assignments of policies to agents
// and groups. The rules document is JSON text; its default action and rule
// count are copied into columns so listings never read the document. Portable
// DDL as in 0001; the foreign keys cascade, and the store deletes versions and
// assignments itself too, so nothing depends on a dialect's FK enforcement.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('policies')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('mode', t.text, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('default_action', t.text, (c) => c.notNull())
    .addColumn('rule_count', t.integer, (c) => c.notNull())
    .addColumn('version', t.integer, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', t.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('policies_name_idx').on('policies').column('name').unique().execute();

  await db.schema
    .createTable('policy_versions')
    .addColumn('policy_id', t.text, (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .addColumn('version', t.integer, (c) => c.notNull())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('description', t.text, (c) => c.notNull())
    .addColumn('mode', t.text, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('default_action', t.text, (c) => c.notNull())
    .addColumn('rule_count', t.integer, (c) => c.notNull())
    .addColumn('author', t.text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('reason', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_versions_pk', ['policy_id', 'version'])
    .execute();

  await db.schema
    .createTable('policy_assignments')
    .addColumn('policy_id', t.text, (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .addColumn('target_kind', t.text, (c) => c.notNull())
    .addColumn('target_id', t.text, (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('assigned_by', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('policy_assignments_pk', ['policy_id', 'target_kind', 'target_id'])
    .execute();
  // Effective sets read by target: an agent's own assignments, its groups'.
  await db.schema
    .createIndex('policy_assignments_target_idx')
    .on('policy_assignments')
    .columns(['target_kind', 'target_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['policy_assignments', 'policy_versions', 'policies'])
    await db.schema.dropTable(table).execute();
}
