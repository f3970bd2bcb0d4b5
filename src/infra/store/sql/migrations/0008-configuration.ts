// Agent configuration: one layer per scope (the fleet, a group, an agent) as
// its current partial document, every change to a layer as an immutable
// revision with its author, reason and diff, and per agent what it was last
// sent and what it reported applying (configuration and policy set), with the
// compliance derived from them.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('config_layers')
    .addColumn('scope_kind', t.text, (c) => c.notNull())
    // '' for the fleet.
    .addColumn('scope_id', t.text, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('revision', t.integer, (c) => c.notNull())
    .addColumn('revision_id', t.text, (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('config_layers_pk', ['scope_kind', 'scope_id'])
    .execute();

  await db.schema
    .createTable('config_revisions')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('scope_kind', t.text, (c) => c.notNull())
    .addColumn('scope_id', t.text, (c) => c.notNull())
    .addColumn('revision', t.integer, (c) => c.notNull())
    .addColumn('document', t.text, (c) => c.notNull())
    .addColumn('diff', t.text, (c) => c.notNull())
    .addColumn('author', t.text, (c) => c.notNull())
    .addColumn('reason', t.text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('config_revisions_scope_idx')
    .on('config_revisions')
    .columns(['scope_kind', 'scope_id', 'revision'])
    .unique()
    .execute();

  await db.schema
    .createTable('agent_desired_state')
    .addColumn('agent_id', t.text, (c) => c.primaryKey())
    .addColumn('config_desired_hash', t.text, (c) => c.notNull())
    .addColumn('config_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('config_applied_hash', t.text)
    .addColumn('config_status', t.text, (c) => c.notNull())
    .addColumn('config_error', t.text)
    .addColumn('config_reported_at', 'bigint')
    .addColumn('policy_desired_hash', t.text, (c) => c.notNull())
    .addColumn('policy_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('policy_applied_hash', t.text)
    .addColumn('policy_status', t.text, (c) => c.notNull())
    .addColumn('policy_error', t.text)
    .addColumn('policy_reported_at', 'bigint')
    .addColumn('compliance', t.text, (c) => c.notNull())
    .addColumn('compliance_reason', t.text, (c) => c.notNull())
    .addColumn('compliance_changed_at', 'bigint', (c) => c.notNull())
    .execute();
  // The drift check reads only agents still waiting to converge.
  await db.schema
    .createIndex('agent_desired_state_pending_idx')
    .on('agent_desired_state')
    .column('agent_id')
    .where(sql<boolean>`compliance = 'pending'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['agent_desired_state', 'config_revisions', 'config_layers'])
    await db.schema.dropTable(table).execute();
}
