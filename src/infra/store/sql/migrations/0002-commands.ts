// Commands: the commands table (one row per command, bulk parents included),
// their status history as append-only rows, and the idempotency keys that map a
// repeated create request to the command it created. Portable DDL as in 0001.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('commands')
    .addColumn('id', t.text, (c) => c.primaryKey())
    .addColumn('type', t.text, (c) => c.notNull())
    .addColumn('params', t.text, (c) => c.notNull())
    .addColumn('priority', t.text, (c) => c.notNull())
    .addColumn('priority_rank', t.integer, (c) => c.notNull())
    .addColumn('target', t.text, (c) => c.notNull())
    .addColumn('agent_id', t.text)
    .addColumn('parent_id', t.text)
    .addColumn('requester', t.text, (c) => c.notNull())
    .addColumn('idempotency_key', t.text)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deadline_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull())
    .addColumn('deliveries', t.integer, (c) => c.notNull())
    .addColumn('progress', t.text)
    .addColumn('result', t.text)
    .addColumn('error', t.text)
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // The seq of the last command_history row: a transition bumps it in its UPDATE and
    // appends the history row under the returned value, so history is never read to append.
    .addColumn('history_seq', t.integer, (c) => c.notNull())
    .execute();
  // pendingForAgent: agent_id = ? and status in (...) order by priority_rank, id.
  await db.schema
    .createIndex('commands_agent_pending_idx')
    .on('commands')
    .columns(['agent_id', 'status', 'priority_rank', 'id'])
    .execute();
  // The expiry and time-out sweeps.
  await db.schema
    .createIndex('commands_status_expires_at_idx')
    .on('commands')
    .columns(['status', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('commands_status_deadline_at_idx')
    .on('commands')
    .columns(['status', 'deadline_at'])
    .execute();
  for (const column of ['parent_id', 'type', 'created_at']) {
    await db.schema.createIndex(`commands_${column}_idx`).on('commands').column(column).execute();
  }

  await db.schema
    .createTable('command_history')
    .addColumn('command_id', t.text, (c) => c.notNull().references('commands.id').onDelete('cascade'))
    .addColumn('seq', t.integer, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('detail', t.text)
    .addPrimaryKeyConstraint('command_history_pk', ['command_id', 'seq'])
    .execute();

  // No foreign key to commands: callers may record the key before or after inserting the command,
  // in the same transaction.
  await db.schema
    .createTable('command_idempotency')
    .addColumn('requester', t.text, (c) => c.notNull())
    .addColumn('key', t.text, (c) => c.notNull())
    .addColumn('command_id', t.text, (c) => c.notNull())
    .addColumn('request_hash', t.text, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('command_idempotency_pk', ['requester', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['command_idempotency', 'command_history', 'commands']) {
    await db.schema.dropTable(table).execute();
  }
}
