// The indexes that find open work become partial, holding only the rows still
// open: commands by status (an agent's backlog and what is out on it, the
// expiry and deadline sweeps), and the outbox's unpublished events. Finished
// commands and published events, nearly every row once a fleet has run for a
// while, leave these indexes, so they stay as small as the work in flight and
// each change touches smaller B-trees. Each query repeats its index's
// condition so that the planner uses it (sql-command-store.ts,
// sql-event-store.ts).
import { sql, type Kysely } from 'kysely';

const list = (statuses: readonly string[]) => sql.join(statuses.map((s) => sql.lit(s)));
const statusIn = (statuses: readonly string[]) => sql<boolean>`status in (${list(statuses)})`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_published_at_id_idx').execute();
  await db.schema
    .createIndex('events_unpublished_idx')
    .on('events')
    .column('id')
    .where(sql<boolean>`published_at is null`)
    .execute();
  for (const name of [
    'commands_agent_pending_idx',
    'commands_status_expires_at_idx',
    'commands_status_deadline_at_idx',
  ])
    await db.schema.dropIndex(name).execute();
  await db.schema
    .createIndex('commands_agent_backlog_idx')
    .on('commands')
    .columns(['agent_id', 'priority_rank', 'id'])
    .where(statusIn(['queued', 'scheduled']))
    .execute();
  await db.schema
    .createIndex('commands_agent_outstanding_idx')
    .on('commands')
    .columns(['agent_id', 'id'])
    .where(statusIn(['dispatched', 'acknowledged', 'running', 'cancel_requested']))
    .execute();
  await db.schema
    .createIndex('commands_open_expires_at_idx')
    .on('commands')
    .column('expires_at')
    .where(statusIn(['queued', 'scheduled', 'dispatched']))
    .execute();
  await db.schema
    .createIndex('commands_open_deadline_at_idx')
    .on('commands')
    .column('deadline_at')
    .where(statusIn(['dispatched', 'acknowledged', 'running', 'cancel_requested']))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_unpublished_idx').execute();
  await db.schema
    .createIndex('events_published_at_id_idx')
    .on('events')
    .columns(['published_at', 'id'])
    .execute();
  for (const name of [
    'commands_agent_backlog_idx',
    'commands_agent_outstanding_idx',
    'commands_open_expires_at_idx',
    'commands_open_deadline_at_idx',
  ])
    await db.schema.dropIndex(name).execute();
  await db.schema
    .createIndex('commands_agent_pending_idx')
    .on('commands')
    .columns(['agent_id', 'status', 'priority_rank', 'id'])
    .execute();
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
}
