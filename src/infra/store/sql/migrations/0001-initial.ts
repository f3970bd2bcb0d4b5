// The first schema: agents (with label and capability side tables for
// filtering), sessions, enrollment secrets, API keys, the event outbox and the
// audit log. Portable DDL only (SQLite now, PostgreSQL later): text ids,
// bigint epoch-millisecond timestamps, JSON as text.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('capabilities', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('credential_hash', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('health_reasons', 'text', (c) => c.notNull())
    .addColumn('health_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('last_heartbeat', 'text')
    .addColumn('enrollment_secret_id', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  for (const column of ['status', 'health', 'type', 'version']) {
    await db.schema.createIndex(`agents_${column}_idx`).on('agents').column(column).execute();
  }

  await db.schema
    .createTable('agent_labels')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_labels_pk', ['agent_id', 'key'])
    .execute();
  await db.schema
    .createIndex('agent_labels_key_value_idx')
    .on('agent_labels')
    .columns(['key', 'value'])
    .execute();

  await db.schema
    .createTable('agent_capabilities')
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('capability', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_capabilities_pk', ['agent_id', 'capability'])
    .execute();
  await db.schema
    .createIndex('agent_capabilities_capability_idx')
    .on('agent_capabilities')
    .column('capability')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('peer', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_agent_id_idx').on('sessions').column('agent_id').execute();
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('enrollment_secrets')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text')
    .addColumn('max_uses', 'integer')
    .addColumn('uses', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('schema_version', 'integer', (c) => c.notNull())
    .addColumn('subject_kind', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .execute();
  // The relay reads `published_at IS NULL ORDER BY id`.
  await db.schema
    .createIndex('events_published_at_id_idx')
    .on('events')
    .columns(['published_at', 'id'])
    .execute();
  await db.schema.createIndex('events_subject_id_idx').on('events').column('subject_id').execute();
  await db.schema.createIndex('events_type_idx').on('events').column('type').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  for (const column of ['actor', 'action', 'target_id']) {
    await db.schema.createIndex(`audit_log_${column}_idx`).on('audit_log').column(column).execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_log',
    'events',
    'api_keys',
    'enrollment_secrets',
    'sessions',
    'agent_capabilities',
    'agent_labels',
    'agents',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
