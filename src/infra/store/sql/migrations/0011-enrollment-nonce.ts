// Retry-safe enrollment (ADR 0004): the hash of the nonce an agent enrolled
// with, so that an agent whose enrollment answer was lost can ask again.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').addColumn('enrollment_nonce_hash', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agents').dropColumn('enrollment_nonce_hash').execute();
}
