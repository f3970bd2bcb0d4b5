// Runs the ConfigurationStore contract on every test database (SQLite in
// memory and PostgreSQL), and checks that on SQLite the drift check's query
// reads the partial index of pending states in its order.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../infra/store/sql/db-schema.js';
import { SQLITE_COLUMN_TYPES } from '../../infra/store/sql/migrations/column-types.js';
import { migrateToLatest } from '../../infra/store/sql/sql-database.js';
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeConfigurationStoreContract } from './configuration-store.contract.js';
import { SqlConfigurationStore } from './sql-configuration-store.js';

eachTestDatabase(describeConfigurationStoreContract);

describe('pendingStates on SQLite', () => {
  it('reads the partial index in order, with no sort of its own', async () => {
    const connection = new BetterSqlite3(':memory:');
    const queries: { sql: string; parameters: readonly unknown[] }[] = [];
    const db = new Kysely<DB>({
      dialect: new SqliteDialect({ database: connection }),
      log: (event) => void queries.push(event.query),
    });
    try {
      await migrateToLatest(db, { types: SQLITE_COLUMN_TYPES });
      queries.length = 0;
      await new SqlConfigurationStore(db).pendingStates(100);
      const [query] = queries;
      const plan = connection
        .prepare(`explain query plan ${query?.sql ?? ''}`)
        .all(...(query?.parameters ?? []))
        .map((row) => (row as { detail: string }).detail)
        .join('\n');
      expect(plan).toContain('agent_desired_state_pending_since_idx');
      expect(plan).not.toContain('TEMP B-TREE');
    } finally {
      await db.destroy();
    }
  });
});
