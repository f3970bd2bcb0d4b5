// Opens the SQLite store: `sqlite:<path>` (relative to the working directory;
// parent directories are created) or `sqlite::memory:`, on one better-sqlite3
// connection with a statement cache.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect } from 'kysely';
import { invalidArgument } from '../../../shared/errors.js';
import type { Database } from '../stores.js';
import type { DB } from './db-schema.js';
import { SQLITE_COLUMN_TYPES } from './migrations/column-types.js';
import { migrateToLatest, SqlDatabase } from './sql-database.js';
import { withStatementCache } from './statement-cache.js';

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter does not say so,
 * and its Migrator would then leave a failed migration half-applied.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class CorralSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

const SQLITE = 'sqlite:';
const MEMORY = ':memory:';

export const isSqliteUrl = (url: string): boolean => url.startsWith(SQLITE);

/** The file a `sqlite:` URL names, or `:memory:`. */
export function sqliteLocation(url: string): string {
  if (!isSqliteUrl(url)) throw invalidArgument('store URL must start with sqlite:');
  const rest = url.slice(SQLITE.length);
  if (rest === MEMORY) return MEMORY;
  if (rest.trim() === '')
    throw invalidArgument('store URL sqlite: needs a path, e.g. sqlite:./data/corral.db');
  return resolve(rest);
}

export async function openSqliteDatabase(url: string): Promise<Database> {
  const location = sqliteLocation(url);
  if (location !== MEMORY) mkdirSync(dirname(location), { recursive: true });
  const connection = new BetterSqlite3(location);
  try {
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma('busy_timeout = 5000');
    connection.pragma('foreign_keys = ON');
    // 64 MiB of page cache (the default is 2 MiB): the open commands, their indexes and the outbox's
    // recent pages stay in memory under load; statement temporaries stay in memory too.
    connection.pragma('cache_size = -65536');
    connection.pragma('temp_store = MEMORY');
  } catch (error) {
    connection.close();
    throw error;
  }
  const db = new Kysely<DB>({
    dialect: new CorralSqliteDialect({ database: withStatementCache(connection) }),
  });
  try {
    await migrateToLatest(db, { types: SQLITE_COLUMN_TYPES });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlDatabase(db);
}
