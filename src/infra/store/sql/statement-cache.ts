// better-sqlite3 prepares a statement from its SQL text, and Kysely's SQLite
// driver prepares on every execution. Parsing and planning a multi-row
// statement of thousands of parameters costs as much as running it, so the
// connection Kysely sees keeps the most recently used prepared statements by
// text. Hot batched writes chunk their rows into a few fixed sizes
// (sql-helpers.ts `batches`) so their texts repeat and hit this cache.
import type BetterSqlite3 from 'better-sqlite3';

export const STATEMENT_CACHE_SIZE = 256;

type Statement = BetterSqlite3.Statement<unknown[]>;

/** The part of a better-sqlite3 connection Kysely's SqliteDialect uses. */
export interface PreparingConnection {
  prepare(sql: string): Statement;
  close(): void;
}

export function withStatementCache(
  connection: BetterSqlite3.Database,
  size = STATEMENT_CACHE_SIZE,
): PreparingConnection {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  const statements = new Map<string, Statement>();
  return {
    prepare(text) {
      const cached = statements.get(text);
      if (cached) {
        statements.delete(text);
        statements.set(text, cached);
        return cached;
      }
      const statement = connection.prepare<unknown[]>(text);
      statements.set(text, statement);
      if (statements.size > size) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      return statement;
    },
    close() {
      statements.clear();
      connection.close();
    },
  };
}
