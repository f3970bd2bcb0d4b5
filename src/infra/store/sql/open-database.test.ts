// openSqlDatabase: the unit-of-work contract on every test database (SQLite in
// memory, PostgreSQL) and on a SQLite file; on SQLite, URL handling, parent
// directories, idempotent migrations, a failing migration named in the error,
// and foreign keys being enforced. PostgreSQL's own cases are in
// open-postgres.int.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newAgentFixture } from '../../../features/agents/agent-store.fixtures.js';
import { ErrorCode } from '../../../shared/errors.js';
import { describeDatabaseContract } from '../database.contract.js';
import { migrations } from './migrations/index.js';
import { openSqlDatabase, sqliteLocation } from './open-database.js';
import { eachTestDatabase } from './test-databases.fixtures.js';

eachTestDatabase(describeDatabaseContract);

describe('openSqlDatabase (sqlite files)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-store-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describeDatabaseContract('sqlite file', () =>
    openSqlDatabase(`sqlite:${join(dir, `db-${Math.random()}.sqlite`)}`),
  );

  it('creates parent directories and keeps data across reopening, migrating only once', async () => {
    const file = join(dir, 'nested', 'deeper', 'corral.db');
    const first = await openSqlDatabase(`sqlite:${file}`);
    await first.agents.insert(newAgentFixture('a1'));
    await first.close();
    for (let i = 0; i < 2; i++) {
      const again = await openSqlDatabase(`sqlite:${file}`);
      expect((await again.agents.get('a1'))?.id).toBe('a1');
      await again.close();
    }
    const raw = new BetterSqlite3(file, { readonly: true });
    try {
      const applied = raw.prepare('select name from kysely_migration order by name').all() as {
        name: string;
      }[];
      expect(applied.map((row) => row.name)).toEqual(Object.keys(migrations));
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('fails naming the migration that could not run, and leaves nothing half-applied', async () => {
    const file = join(dir, 'conflict.db');
    const raw = new BetterSqlite3(file);
    raw.exec('create table audit_log (id text primary key)');
    raw.close();
    await expect(openSqlDatabase(`sqlite:${file}`)).rejects.toThrow(/migration "0001-initial" failed/);
    const check = new BetterSqlite3(file, { readonly: true });
    try {
      expect(check.prepare("select name from sqlite_master where name = 'agents'").all()).toEqual([]);
    } finally {
      check.close();
    }
  });
});

describe('openSqlDatabase (URLs)', () => {
  it('resolves relative paths against the working directory', () => {
    expect(sqliteLocation('sqlite:./data/corral.db')).toBe(resolve(process.cwd(), 'data/corral.db'));
    expect(sqliteLocation('sqlite:/var/lib/corral/corral.db')).toBe('/var/lib/corral/corral.db');
    expect(sqliteLocation('sqlite::memory:')).toBe(':memory:');
  });

  it('refuses another scheme by name without echoing the rest of the URL', async () => {
    const refusal = openSqlDatabase('mysql://corral:hunter2@db.internal/corral');
    await expect(refusal).rejects.toMatchObject({
      code: ErrorCode.InvalidArgument,
      message: expect.stringContaining('"mysql:"'),
    });
    await expect(refusal).rejects.not.toThrow(/hunter2/);
    await expect(openSqlDatabase('corral.db')).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });

  it('refuses sqlite: without a path', async () => {
    await expect(openSqlDatabase('sqlite:')).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });
});

describe('openSqlDatabase (integrity)', () => {
  it('enforces foreign keys', async () => {
    const db = await openSqlDatabase('sqlite::memory:');
    try {
      const orphan = { id: 's1', agentId: 'nobody', tokenHash: 't', createdAt: 0, expiresAt: 1, peer: '' };
      await expect(db.sessions.insert(orphan)).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await db.close();
    }
  });

  it('closes more than once without failing', async () => {
    const db = await openSqlDatabase('sqlite::memory:');
    await db.close();
    await expect(db.close()).resolves.toBeUndefined();
  });
});
