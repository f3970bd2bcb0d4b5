// The drift check reads pending agents oldest first: ordered by when each
// started waiting (the earlier sent time of the parts it has not applied yet),
// so that a batch never passes over an agent overdue behind newer ones. The
// partial index on pending rows is rebuilt on that order; the query repeats
// the expression and the condition exactly (sql-configuration-store.ts), so
// the planner reads it in index order.
import { sql, type Kysely } from 'kysely';

// Written out here rather than imported: a migration must not change once released.
const WAITING_SINCE = sql`(case when config_applied_hash = config_desired_hash then policy_sent_at when policy_applied_hash = policy_desired_hash then config_sent_at when config_sent_at <= policy_sent_at then config_sent_at else policy_sent_at end)`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agent_desired_state_pending_idx').execute();
  await db.schema
    .createIndex('agent_desired_state_pending_since_idx')
    .on('agent_desired_state')
    .expression(WAITING_SINCE)
    .column('agent_id')
    .where(sql<boolean>`compliance = 'pending'`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('agent_desired_state_pending_since_idx').execute();
  await db.schema
    .createIndex('agent_desired_state_pending_idx')
    .on('agent_desired_state')
    .column('agent_id')
    .where(sql<boolean>`compliance = 'pending'`)
    .execute();
}
