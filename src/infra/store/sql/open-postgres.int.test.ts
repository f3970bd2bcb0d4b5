// openSqlDatabase on a real PostgreSQL, where it could differ from SQLite:
// numbers come back as numbers (and a value beyond 2^53 fails instead of
// reading wrong), integer columns are 64-bit, several instances migrating one
// schema at once, `?schema=` creating and isolating its schema, `?pool=`
// bounding the connections, a duplicate key mapped to already_exists, and no
// password in any error.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { newAgentFixture } from '../../../features/agents/agent-store.fixtures.js';
import { ErrorCode } from '../../../shared/errors.js';
import type { Database } from '../stores.js';
import { migrations } from './migrations/index.js';
import { openSqlDatabase } from './open-database.js';
import { parseInt8 } from './open-postgres.js';
import { isUniqueViolation } from './sql-helpers.js';
import {
  describeOnPostgres,
  dropTestSchema,
  isolatedPostgresSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
  TEST_POSTGRES_URL,
} from './test-databases.fixtures.js';

/** Runs one statement on the test server outside any store. */
async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('parseInt8', () => {
  it('reads safe integers and refuses what a number cannot hold exactly', () => {
    expect(parseInt8('1767225600000')).toBe(1_767_225_600_000);
    expect(parseInt8('-9007199254740991')).toBe(-9_007_199_254_740_991);
    expect(() => parseInt8('9007199254740993')).toThrow(RangeError);
  });
});

describeOnPostgres('openSqlDatabase on PostgreSQL', () => {
  const schema = isolatedPostgresSchema();
  const opened: Database[] = [];
  const created: string[] = [];
  const open = async (url = schema.url) => {
    const db = await openSqlDatabase(url);
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    for (const name of created) await dropTestSchema(name);
  });

  it('reads timestamps, revisions and counts as numbers', async () => {
    const db = await schema.open();
    try {
      await db.agents.insert(newAgentFixture('a1'));
      const agent = await db.agents.get('a1');
      expect(typeof agent?.enrolledAt).toBe('number');
      expect(agent?.enrolledAt).toBe(Date.UTC(2026, 0, 1));
      expect(agent?.revision).toBe(1);
      expect((await db.agents.counts()).total).toBe(1);
      expect(await db.apiKeys.count()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('fails a read of a bigint beyond 2^53 rather than returning it rounded', async () => {
    const db = await schema.open();
    try {
      await db.agents.insert(newAgentFixture('a1'));
      await query(`update "${schema.name}".agents set last_seen_at = 9007199254740993 where id = 'a1'`);
      await expect(db.agents.get('a1')).rejects.toThrow(/9007199254740993/);
    } finally {
      await db.close();
    }
  });

  it('keeps 64-bit integer columns, as SQLite does: a huge expected revision matches nothing', async () => {
    const db = await schema.open();
    try {
      await db.agents.insert(newAgentFixture('a1'));
      const columns = await query<{ data_type: string }>(
        `select data_type from information_schema.columns
          where table_schema = $1 and table_name = 'agents' and column_name = 'revision'`,
        [schema.name],
      );
      expect(columns).toEqual([{ data_type: 'bigint' }]);
      await expect(db.agents.updateMetadata('a1', { name: 'x' }, 1, 999_999_999_999_999)).resolves.toBe(
        undefined,
      );
    } finally {
      await db.close();
    }
  });

  it('maps a duplicate key to already_exists and recognises the driver error', async () => {
    const db = await schema.open();
    try {
      await db.agents.insert(newAgentFixture('a1'));
      await expect(db.agents.insert(newAgentFixture('a1'))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      const raw = await query(`insert into "${schema.name}".agent_labels values ('a1', 'k', 'v')`)
        .then(() => query(`insert into "${schema.name}".agent_labels values ('a1', 'k', 'w')`))
        .catch((error: unknown) => error);
      expect(raw).toMatchObject({ code: '23505' });
      expect(isUniqueViolation(raw)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('migrates one schema once when several instances start at the same moment', async () => {
    const name = newTestSchemaName();
    created.push(name);
    const url = postgresUrlWithSchema(name);
    const instances = await Promise.all([open(url), open(url), open(url), open(url)]);
    const applied = await query<{ name: string }>(
      `select name from "${name}".kysely_migration order by name`,
    );
    expect(applied.map((row) => row.name)).toEqual(Object.keys(migrations));
    await instances[0]?.agents.insert(newAgentFixture('shared'));
    for (const db of instances) expect((await db.agents.get('shared'))?.id).toBe('shared');
  });

  it('creates the schema ?schema= names and keeps each schema to itself', async () => {
    const [a, b] = [newTestSchemaName(), newTestSchemaName()];
    created.push(a, b);
    const inA = await open(postgresUrlWithSchema(a));
    const inB = await open(postgresUrlWithSchema(b));
    await inA.agents.insert(newAgentFixture('only-in-a'));
    expect((await inA.agents.get('only-in-a'))?.id).toBe('only-in-a');
    expect(await inB.agents.get('only-in-a')).toBeUndefined();
    const tables = await query<{ n: string }>(
      `select count(*) as n from information_schema.tables where table_schema = $1 and table_name = 'agents'`,
      [a],
    );
    expect(tables).toEqual([{ n: '1' }]);
  });

  it('opens no more connections than ?pool= allows', async () => {
    const application = `corral_pool_${randomBytes(4).toString('hex')}`;
    const url = new URL(schema.url);
    url.searchParams.set('pool', '2');
    url.searchParams.set('application_name', application);
    const db = await open(url.toString());
    await Promise.all(Array.from({ length: 20 }, () => db.agents.get('nobody')));
    const connections = await query<{ n: string }>(
      'select count(*) as n from pg_stat_activity where application_name = $1',
      [application],
    );
    expect(connections).toEqual([{ n: '2' }]);
  });

  it('names the server but never the password when it cannot connect', async () => {
    const refusal = openSqlDatabase('postgres://corral:hunter2@127.0.0.1:1/corral?schema=corral');
    await expect(refusal).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringContaining('postgres://corral@127.0.0.1:1/corral'),
    });
    await expect(refusal).rejects.not.toThrow(/hunter2/);
  });
});
