// The backends the store contract suites run on: SQLite in memory, and
// PostgreSQL at CORRAL_TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/test), each suite in a schema of its own,
// created for it and dropped after it; every open() there starts from empty
// tables, as a new SQLite database would. When PostgreSQL cannot be reached,
// the PostgreSQL suites fail under CI (CI set) and are skipped, with a loud
// warning, anywhere else.
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { describeRequiring } from '../../../../test/support/describe-requiring.js';
import type { Database } from '../stores.js';
import type { DB } from './db-schema.js';
import { openSqlDatabase } from './open-database.js';
import { createPool } from './open-postgres.js';
import { postgresLocation } from './postgres-url.js';
import { SqlDatabase } from './sql-database.js';

export type OpenDatabase = () => Promise<Database>;

export const TEST_POSTGRES_URL =
  process.env.CORRAL_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const PROBE_TIMEOUT_MS = 3_000;

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: TEST_POSTGRES_URL,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be used, or undefined when it answers. Probed once per test file. */
const unreachable = await probe();
const display = postgresLocation(TEST_POSTGRES_URL).display;

/**
 * `describe(name, body)` when PostgreSQL answers. Otherwise, under CI, one failing test that says
 * why; elsewhere, the suite skipped with a warning on the console.
 */
export function describeOnPostgres(name: string, body: () => void): void {
  describeRequiring(
    name,
    unreachable === undefined ? undefined : `PostgreSQL at ${display} is unreachable (${unreachable})`,
    'start PostgreSQL or point CORRAL_TEST_POSTGRES_URL at one',
    body,
  );
}

/** TEST_POSTGRES_URL with `?schema=` set to `schema`. */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** A fresh unique schema name (not created). */
export const newTestSchemaName = (): string => `corral_test_${process.pid}_${randomBytes(5).toString('hex')}`;

/** Drops `schema` and everything in it. */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** One event of a schema's outbox, as the failure tests compare it with what a consumer received. */
export interface OutboxRow {
  readonly id: string;
  readonly type: string;
  readonly published: boolean;
}

/** Every event `schema`'s outbox holds (the events table), in id order, with whether it was published. */
export async function outboxOf(schema: string): Promise<OutboxRow[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; type: string; published: boolean }>(
      `select id, type, published_at is not null as published from "${schema}".events order by id`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

export interface IsolatedSchema {
  readonly name: string;
  /** The store URL for this schema. */
  readonly url: string;
  /** The store in this schema, with every table emptied first. */
  open(): Promise<Database>;
}

/**
 * A schema for the enclosing suite (call it inside describeOnPostgres): created and migrated
 * before its tests, through the real openSqlDatabase, and dropped after them.
 */
export function isolatedPostgresSchema(): IsolatedSchema {
  const name = newTestSchemaName();
  const url = postgresUrlWithSchema(name);
  let admin: pg.Pool | undefined;
  let emptyTables = '';
  beforeAll(async () => {
    await (await openSqlDatabase(url)).close();
    admin = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 1 });
    const { rows } = await admin.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = $1 and table_type = 'BASE TABLE' and table_name not like 'kysely\\_%'`,
      [name],
    );
    emptyTables = rows.map((row) => `delete from "${name}"."${row.table_name}";`).join('\n');
  });
  afterAll(async () => {
    await admin?.end();
    await dropTestSchema(name);
  });
  return {
    name,
    url,
    async open() {
      if (!admin) throw new Error(`schema ${name} is not ready: open() runs inside the suite's tests`);
      await admin.query(emptyTables);
      const pool = createPool(postgresLocation(url));
      return new SqlDatabase(new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }));
    },
  };
}

/**
 * Calls `define(backend, open)` for every backend: `sqlite` (in memory) and `postgresql` (in a
 * schema of this suite's own, see isolatedPostgresSchema).
 */
export function eachTestDatabase(define: (backend: string, open: OpenDatabase) => void): void {
  define('sqlite', () => openSqlDatabase('sqlite::memory:'));
  describeOnPostgres('on postgresql', () => {
    const schema = isolatedPostgresSchema();
    define('postgresql', () => schema.open());
  });
}
