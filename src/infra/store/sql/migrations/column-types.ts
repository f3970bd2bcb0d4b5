// The column types a migration writes, per dialect. SQLite keeps the types its
// released migrations always wrote. PostgreSQL gets the types that behave as
// SQLite's do: `integer` is 64-bit in SQLite, so `bigint`; text compares and
// sorts by code point in SQLite (BINARY), so `text collate "C"`, whatever the
// database's default collation (keyset pages, `lower()` folding ASCII only).
import { sql, type RawBuilder } from 'kysely';

export interface ColumnTypes {
  readonly text: 'text' | RawBuilder<unknown>;
  readonly integer: 'integer' | 'bigint';
}

export const SQLITE_COLUMN_TYPES: ColumnTypes = { text: 'text', integer: 'integer' };

export const POSTGRES_COLUMN_TYPES: ColumnTypes = { text: sql`text collate "C"`, integer: 'bigint' };
