// Migration 0004 moves command history from command_history rows into the
// commands row: a database written before it keeps every entry, in order,
// details included, and the store reads and extends it afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlDatabase } from '../open-database.js';
import { SQLITE_COLUMN_TYPES } from './column-types.js';
import { migrationProvider } from './index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-migration-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('carries every history row into the command, oldest first, and drops the old table', async () => {
  const file = join(dir, 'old.db');
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
  const migrated = await new Migrator({
    db: old,
    provider: migrationProvider(SQLITE_COLUMN_TYPES),
  }).migrateTo('0003-command-types');
  expect(migrated.error).toBeUndefined();
  await old.destroy();

  const raw = new BetterSqlite3(file);
  const insert =
    raw.prepare(`insert into commands (id, type, params, priority, priority_rank, target, agent_id,
    parent_id, requester, idempotency_key, created_at, deadline_at, expires_at, status, deliveries, progress,
    result, error, updated_at, history_seq) values (?, 'ping', '{}', 'normal', 2, '{"kind":"agent","agentId":"a1"}',
    'a1', null, 'api-key:ops', null, 100, 9000, 5000, ?, ?, null, null, null, 100, ?)`);
  insert.run('c1', 'dispatched', 1, 3);
  insert.run('c2', 'queued', 0, 1);
  const history = raw.prepare(
    'insert into command_history (command_id, seq, status, at, detail) values (?, ?, ?, ?, ?)',
  );
  history.run('c1', 2, 'scheduled', 101, 'placed on a1');
  history.run('c1', 1, 'queued', 100, null);
  history.run('c1', 3, 'dispatched', 102, null);
  history.run('c2', 1, 'queued', 100, null);
  raw.close();

  const db = await openSqlDatabase(`sqlite:${file}`);
  try {
    expect((await db.commands.get('c1'))?.history).toEqual([
      { status: 'queued', at: 100 },
      { status: 'scheduled', at: 101, detail: 'placed on a1' },
      { status: 'dispatched', at: 102 },
    ]);
    expect((await db.commands.get('c2'))?.history).toEqual([{ status: 'queued', at: 100 }]);
    await db.commands.applyTransitions([{ id: 'c1', to: 'acknowledged', at: 103, agentId: 'a1' }]);
    expect((await db.commands.get('c1'))?.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
    ]);
  } finally {
    await db.close();
  }
  const check = new BetterSqlite3(file, { readonly: true });
  try {
    expect(check.prepare("select name from sqlite_master where name = 'command_history'").all()).toEqual([]);
  } finally {
    check.close();
  }
});
