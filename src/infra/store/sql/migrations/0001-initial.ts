// The first schema: agents (with label and capability side tables for
// filtering), sessions, enrollment secrets, API keys, the event outbox and the
// audit log. Portable DDL only, with the column types of the dialect
// (column-types.ts): text ids, bigint epoch-millisecond timestamps, JSON as text.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('hostname', t.text, (c) => c.notNull())
    .addColumn('ip_address', t.text, (c) => c.notNull())
    .addColumn('version', t.text, (c) => c.notNull())
    .addColumn('type', t.text, (c) => c.notNull())
    .addColumn('platform', t.text, (c) => c.notNull())
    .addColumn('capabilities', t.text, (c) => c.notNull())
    .addColumn('labels', t.text, (c) => c.notNull())
    .addColumn('credential_hash', t.text)
    .addColumn('status', t.text, (c) => c.notNull())
    .addColumn('status_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('health', t.text, (c) => c.notNull())
    .addColumn('health_reasons', t.text, (c) => c.notNull())
    .addColumn('health_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('last_heartbeat', t.text)
    .addColumn('enrollment_secret_id', t.text)
    .addColumn('revision', t.integer, (c) => c.notNull())
    .execute();
  for (const column of ['status', 'health', 'type', 'version']) {
    await db.schema.createIndex(`agents_${column}_idx`).on('agents').column(column).execute();
  }

  await db.schema
    .createTable('agent_labels')
    .addColumn('agent_id', t.text, (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('key', t.text, (c) => c.notNull())
    .addColumn('value', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_labels_pk', ['agent_id', 'key'])
    .execute();
  await db.schema
    .createIndex('agent_labels_key_value_idx')
    .on('agent_labels')
    .columns(['key', 'value'])
    .execute();

  await db.schema
    .createTable('agent_capabilities')
    .addColumn('agent_id', t.text, (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('capability', t.text, (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_capabilities_pk', ['agent_id', 'capability'])
    .execute();
  await db.schema
    .createIndex('agent_capabilities_capability_idx')
    .on('agent_capabilities')
    .column('capability')
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('agent_id', t.text, (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addColumn('token_hash', t.text, (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('peer', t.text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_agent_id_idx').on('sessions').column('agent_id').execute();
  await db.schema.createIndex('sessions_expires_at_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('enrollment_secrets')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('secret_hash', t.text, (c) => c.notNull().unique())
    .addColumn('hint', t.text, (c) => c.notNull())
    .addColumn('group_id', t.text)
    .addColumn('max_uses', t.integer)
    .addColumn('uses', t.integer, (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('name', t.text, (c) => c.notNull())
    .addColumn('role', t.text, (c) => c.notNull())
    .addColumn('key_hash', t.text, (c) => c.notNull().unique())
    .addColumn('hint', t.text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', t.text, (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('type', t.text, (c) => c.notNull())
    .addColumn('schema_version', t.integer, (c) => c.notNull())
    .addColumn('subject_kind', t.text, (c) => c.notNull())
    .addColumn('subject_id', t.text, (c) => c.notNull())
    .addColumn('actor', t.text, (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('data', t.text, (c) => c.notNull())
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
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', t.text, (c) => c.notNull())
    .addColumn('actor_name', t.text, (c) => c.notNull())
    .addColumn('action', t.text, (c) => c.notNull())
    .addColumn('target_kind', t.text, (c) => c.notNull())
    .addColumn('target_id', t.text)
    .addColumn('outcome', t.text, (c) => c.notNull())
    .addColumn('error_code', t.text)
    .addColumn('request_id', t.text)
    .addColumn('details', t.text, (c) => c.notNull())
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
