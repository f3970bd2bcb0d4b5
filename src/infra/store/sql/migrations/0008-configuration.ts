// Agent configuration: one layer per scope (the fleet, a group, an agent) as
// its current partial document, every change to a layer as an immutable
// revision with its author, reason and diff, and per agent what it was last
// sent and what it reported applying (configuration and policy set), with the
// compliance derived from them.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('config_layers')
    .addColumn('scope_kind', 'text', (c) => c.notNull())
    // '' for the fleet.
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('revision_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('config_layers_pk', ['scope_kind', 'scope_id'])
    .execute();

  await db.schema
    .createTable('config_revisions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('scope_kind', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('diff', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
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
    .addColumn('agent_id', 'text', (c) => c.primaryKey())
    .addColumn('config_desired_hash', 'text', (c) => c.notNull())
    .addColumn('config_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('config_applied_hash', 'text')
    .addColumn('config_status', 'text', (c) => c.notNull())
    .addColumn('config_error', 'text')
    .addColumn('config_reported_at', 'bigint')
    .addColumn('policy_desired_hash', 'text', (c) => c.notNull())
    .addColumn('policy_sent_at', 'bigint', (c) => c.notNull())
    .addColumn('policy_applied_hash', 'text')
    .addColumn('policy_status', 'text', (c) => c.notNull())
    .addColumn('policy_error', 'text')
    .addColumn('policy_reported_at', 'bigint')
    .addColumn('compliance', 'text', (c) => c.notNull())
    .addColumn('compliance_reason', 'text', (c) => c.notNull())
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
