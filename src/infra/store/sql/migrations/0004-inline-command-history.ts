// Command history moves into the commands row: a `history` text column of
// comma-separated JSON entries (`{"status":"queued","at":…},{…}`), which a
// transition extends with `history = history || ','…` in the same UPDATE that
// moves the status. This drops the command_history table (one to three rows and
// two B-tree inserts per status change, the largest share of the hot path's
// writes) and history_seq. Existing history is carried over, oldest first.
import { sql, type Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

const BATCH = 500;

interface OldHistoryRow {
  command_id: string;
  status: string;
  at: number | string;
  detail: string | null;
}

function historyEntryText(entry: { status: string; at: number; detail?: string | null }): string {
  return JSON.stringify(
    entry.detail === null || entry.detail === undefined
      ? { status: entry.status, at: entry.at }
      : { status: entry.status, at: entry.at, detail: entry.detail },
  );
}

export async function up(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('commands')
    .addColumn('history', t.text, (c) => c.notNull().defaultTo(''))
    .execute();
  const rows = await sql<OldHistoryRow>`
    select command_id, status, at, detail from command_history order by command_id, seq`.execute(db);
  const byCommand = new Map<string, string[]>();
  for (const row of rows.rows) {
    const entries = byCommand.get(row.command_id) ?? [];
    entries.push(historyEntryText({ status: row.status, at: Number(row.at), detail: row.detail }));
    byCommand.set(row.command_id, entries);
  }
  const updates = [...byCommand.entries()];
  for (let i = 0; i < updates.length; i += BATCH) {
    for (const [id, entries] of updates.slice(i, i + BATCH)) {
      await sql`update commands set history = ${entries.join(',')} where id = ${id}`.execute(db);
    }
  }
  await db.schema.dropTable('command_history').execute();
  await db.schema.alterTable('commands').dropColumn('history_seq').execute();
}

export async function down(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('commands')
    .addColumn('history_seq', t.integer, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('command_history')
    .addColumn('command_id', t.text, (c) => c.notNull().references('commands.id').onDelete('cascade'))
    .addColumn('seq', t.integer, (c) => c.notNull())
    .addColumn('status', t.text, (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('detail', t.text)
    .addPrimaryKeyConstraint('command_history_pk', ['command_id', 'seq'])
    .execute();
  const rows = await sql<{ id: string; history: string }>`select id, history from commands`.execute(db);
  for (const row of rows.rows) {
    const entries = JSON.parse(`[${row.history}]`) as { status: string; at: number; detail?: string }[];
    for (const [index, entry] of entries.entries()) {
      await sql`insert into command_history (command_id, seq, status, at, detail)
        values (${row.id}, ${index + 1}, ${entry.status}, ${entry.at}, ${entry.detail ?? null})`.execute(db);
    }
    await sql`update commands set history_seq = ${entries.length} where id = ${row.id}`.execute(db);
  }
  await db.schema.alterTable('commands').dropColumn('history').execute();
}
