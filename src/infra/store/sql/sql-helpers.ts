// Small pieces every SQL store shares: the executor type, running a
// multi-statement write atomically, keyset pages, LIKE escaping, chunking under
// the bound-parameter limit, and recognising unique-key violations per driver.
import { sql, type Expression, type Kysely, type RawBuilder } from 'kysely';
import { invalidArgument } from '../../../shared/errors.js';
import type { DB } from './db-schema.js';

/** What a SQL store runs on: the root Kysely instance or a transaction (which is one). */
export type SqlExecutor = Kysely<DB>;

/**
 * Runs `work` in a transaction, or in the caller's transaction when there is
 * one already, so that a store's multi-statement writes are atomic either way.
 */
export function inTransaction<T>(db: SqlExecutor, work: (trx: SqlExecutor) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * SQLite allows 32766 bound parameters per statement, PostgreSQL 65535; multi-row
 * statements are chunked to stay under this.
 */
export const MAX_BOUND_PARAMETERS = 32_000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Like chunks, but every part holds `max` items or a power of two of them
 * (300 with max 256: 256, 32, 8, 4), so that a multi-row statement over the
 * parts has one of a few shapes, and its prepared form is reused
 * (statement-cache.ts). For the hot batched writes.
 */
export function batches<T>(items: readonly T[], max: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  while (start < items.length) {
    const left = items.length - start;
    const size = left >= max ? max : 2 ** Math.floor(Math.log2(left));
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

export interface KeysetPage<T> {
  items: T[];
  nextAfterId: string | undefined;
}

/** A row limit as given, refused unless a positive integer (a zero or NaN limit is a caller bug). */
export function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalidArgument('invalid limit', [{ field: 'limit', description: 'must be a positive integer' }]);
  }
  return limit;
}

/** The row count to fetch for a page: one more than asked, to learn whether there are more. */
export const fetchLimit = (limit: number): number => checkedLimit(limit) + 1;

/** Cuts `rows` (fetched with `fetchLimit(limit)`) to a page and its continuation id. */
export function keysetPage<T extends { readonly id: string }>(
  rows: readonly T[],
  limit: number,
): KeysetPage<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, nextAfterId: more ? items[items.length - 1]?.id : undefined };
}

/** A LIKE pattern matching `text` anywhere, with `\` as the escape character. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * `column` contains `text`, ignoring the case of ASCII letters only, on both dialects: SQLite's
 * lower() folds ASCII alone, and so does PostgreSQL's on the `collate "C"` columns Corral creates
 * there; the search text is folded the same way here rather than by the database.
 */
export function containsIgnoringAsciiCase(column: Expression<string>, text: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${column}) like ${containsPattern(asciiLower(text))} escape '\\'`;
}

/** Whether a driver error is a unique or primary key violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Runs an insert, turning a duplicate key into `already_exists` (as `make` words it). */
export async function insertOnce(insert: () => Promise<unknown>, make: () => Error): Promise<void> {
  try {
    await insert();
  } catch (error) {
    if (isUniqueViolation(error)) throw make();
    throw error;
  }
}

export const toJson = (value: unknown): string => JSON.stringify(value);
export const fromJson = <T>(text: string): T => JSON.parse(text) as T;
