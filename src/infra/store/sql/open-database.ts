// Opens the SQL store named by STORE_URL, by scheme: `sqlite:<path>` or
// `sqlite::memory:` (open-sqlite.ts), `postgres://` or `postgresql://`
// (open-postgres.ts). Both run the same migrations under the same stores.
import { invalidArgument } from '../../../shared/errors.js';
import type { Database } from '../stores.js';
import type { PostgresOpenOptions } from './open-postgres.js';
import { isSqliteUrl, openSqliteDatabase } from './open-sqlite.js';
import { isPostgresUrl, postgresLocation } from './postgres-url.js';

export { sqliteLocation } from './open-sqlite.js';

export type OpenOptions = PostgresOpenOptions;

/** The store URL as it may be printed: a PostgreSQL URL without its password. */
export function printableStoreUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const { display, schema, poolSize } = postgresLocation(url);
    return `${display}${schema === undefined ? '' : ` (schema ${schema})`}, pool of ${poolSize}`;
  } catch {
    return 'postgres://…';
  }
}

export async function openSqlDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (isSqliteUrl(url)) return openSqliteDatabase(url);
  if (isPostgresUrl(url)) {
    // Loaded only for a PostgreSQL store, so the CLI and SQLite deployments never load pg.
    const { openPostgresDatabase } = await import('./open-postgres.js');
    return openPostgresDatabase(url, options);
  }
  // Only the scheme is echoed: a database URL may carry a password.
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? '(none)';
  throw invalidArgument(
    `unsupported store URL scheme ${JSON.stringify(scheme)}: expected sqlite:<path>, sqlite::memory:, postgres:// or postgresql://`,
  );
}
