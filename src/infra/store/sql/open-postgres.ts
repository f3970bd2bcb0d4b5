// Opens the PostgreSQL store named by a `postgres://` or `postgresql://`
// STORE_URL: Kysely's PostgresDialect over a pg.Pool (`?pool=`, default 10
// connections), in the schema `?schema=` names (created when missing) or else
// the server's search_path, with the same migrations as SQLite. Several
// instances may start at once: Kysely's Migrator holds a PostgreSQL advisory
// lock while it migrates, so one migrates and the others find the work done.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { CorralError, ErrorCode } from '../../../shared/errors.js';
import type { Database } from '../stores.js';
import type { DB } from './db-schema.js';
import { POSTGRES_COLUMN_TYPES } from './migrations/column-types.js';
import { postgresLocation, type PostgresLocation } from './postgres-url.js';
import { migrateToLatest, SqlDatabase } from './sql-database.js';

const INT8_OID = 20;
/** Waiting longer than this for a connection (to open, or free in the pool) fails the query. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * int8 (`bigint`: every timestamp, every integer column, `count(*)`) as a JS
 * number. Corral's values are epoch milliseconds and counts, far below 2^53; a
 * value that would lose precision fails its query rather than read wrong.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`bigint ${text} is beyond JavaScript's safe integers`);
  return value;
}

const numericTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOpenOptions {
  /**
   * Hears of errors on idle pooled connections (the server restarted, the network dropped);
   * the pool drops that connection and opens another when next needed.
   */
  readonly onPoolError?: (error: Error) => void;
}

/** A pg.Pool for the location, numbers parsed as above. */
export function createPool(location: PostgresLocation, options: PostgresOpenOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: location.poolSize,
    types: numericTypes,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(location.options !== undefined && { options: location.options }),
  });
  // Without a listener, an idle connection's error would end the process.
  pool.on('error', (error) => options.onPoolError?.(error));
  return pool;
}

export async function openPostgresDatabase(
  url: string,
  options: PostgresOpenOptions = {},
): Promise<Database> {
  const location = postgresLocation(url);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: createPool(location, options) }) });
  try {
    const schema = await prepareSchema(db, location);
    await migrateToLatest(db, { types: POSTGRES_COLUMN_TYPES, schema });
  } catch (error) {
    await db.destroy();
    if (error instanceof CorralError) throw error;
    throw new CorralError(
      ErrorCode.Unavailable,
      `cannot open the PostgreSQL store at ${location.display}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return new SqlDatabase(db);
}

/**
 * Creates the schema `?schema=` names if it is missing (without asking for the CREATE privilege
 * when it exists), and returns the schema the store lives in.
 */
async function prepareSchema(db: Kysely<DB>, location: PostgresLocation): Promise<string> {
  if (location.schema !== undefined) {
    const found = await sql`select 1 from pg_namespace where nspname = ${location.schema}`.execute(db);
    if (found.rows.length === 0) {
      try {
        await sql`create schema if not exists ${sql.id(location.schema)}`.execute(db);
      } catch (error) {
        // Another instance created it at the same moment.
        if (!isDuplicateSchema(error)) throw error;
      }
    }
  }
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema ?? null;
  if (schema === null)
    throw new CorralError(
      ErrorCode.InvalidArgument,
      `the PostgreSQL search_path at ${location.display} names no existing schema; choose one with ?schema=`,
    );
  return schema;
}

function isDuplicateSchema(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P06' || code === '23505';
}

const messageOf = (error: unknown): string =>
  error instanceof AggregateError && error.errors.length > 0
    ? messageOf(error.errors[0])
    : error instanceof Error
      ? error.message || error.name
      : String(error);
