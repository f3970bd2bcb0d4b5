// The command store's hot writes: status transitions and progress, many
// commands at a time (group commit). Each chunk is one guarded multi-row
// UPDATE … FROM (VALUES …), never one statement per command, and a transition
// that the guard lets through appends its history row in one multi-row INSERT.
//
// History sequencing: commands.history_seq holds the seq of the command's last
// history row. The guarded UPDATE bumps it and returns the new value, which is
// the seq of the history row the write appends. The row lock the UPDATE takes
// makes this safe under concurrent writers, and history is never read to append.
import { sql, type RawBuilder } from 'kysely';
import {
  chunks,
  inTransaction,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { COMMAND_PREDECESSORS, type AggregateStatus } from './command-state.js';
import type { CommandProgressWrite, CommandTransitionWrite } from './command-store.js';

/**
 * What a bulk parent (a row with no agent_id) may move to, and from where. A
 * parent does not run the machine: its status is its children's aggregate,
 * which only moves forward (children never return to queued, and terminal
 * children never move), so: queued → running → a terminal aggregate, or queued
 * straight to a terminal aggregate. A terminal aggregate is final, and an
 * unchanged aggregate is refused, so a parent's history lists each change once.
 */
export const PARENT_PREDECESSORS: Readonly<Record<AggregateStatus, readonly AggregateStatus[]>> = {
  queued: [],
  running: ['queued'],
  succeeded: ['queued', 'running'],
  failed: ['queued', 'running'],
  timed_out: ['queued', 'running'],
  cancelled: ['queued', 'running'],
  expired: ['queued', 'running'],
  partially_failed: ['queued', 'running'],
};

function guardFor(predecessors: Readonly<Record<string, readonly string[]>>): RawBuilder<unknown> {
  return sql.join(
    Object.entries(predecessors)
      .filter(([, from]) => from.length > 0)
      .map(
        ([to, from]) =>
          sql`(v.status = ${sql.lit(to)} and commands.status in (${sql.join(from.map((s) => sql.lit(s)))}))`,
      ),
    sql` or `,
  );
}

/**
 * A command (it has an agent) moves only from a legal predecessor
 * (COMMAND_PREDECESSORS: terminal statuses have no successor, so never move); a
 * bulk parent only as PARENT_PREDECESSORS allows. partially_failed is no
 * command status, so it never reaches a command row.
 */
const statusGuard: RawBuilder<unknown> = sql`(commands.agent_id is not null and (${guardFor(COMMAND_PREDECESSORS)}))
  or (commands.agent_id is null and (${guardFor(PARENT_PREDECESSORS)}))`;

const TRANSITION_COLUMNS = 8;
const TRANSITIONS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMETERS / TRANSITION_COLUMNS);
const HISTORY_COLUMNS = 5;
const HISTORY_ROWS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMETERS / HISTORY_COLUMNS);
const PROGRESS_COLUMNS = 2;
const PROGRESS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMETERS / PROGRESS_COLUMNS);

const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : toJson(value));

function transitionStatement(writes: readonly CommandTransitionWrite[]) {
  const values = writes.map(
    (w) =>
      sql`(${w.id}, ${w.to}, ${w.at}, ${w.delivered === true ? 1 : 0}, ${jsonOrNull(w.progress)}, ${jsonOrNull(w.result)}, ${jsonOrNull(w.error)}, ${w.agentId ?? null})`,
  );
  // Casts: PostgreSQL types untyped VALUES parameters as text. A null progress, result or
  // error keeps what is stored; a JSON null result is the text "null", so it is stored.
  // The detail goes only to the history row.
  return sql<{ id: string; seq: number }>`
    with v (id, status, at, delivered, progress, result, error, agent)
      as (values ${sql.join(values)})
    update commands set
      status = v.status,
      deliveries = commands.deliveries + cast(v.delivered as integer),
      progress = coalesce(v.progress, commands.progress),
      result = coalesce(v.result, commands.result),
      error = coalesce(v.error, commands.error),
      updated_at = cast(v.at as bigint),
      history_seq = commands.history_seq + 1
    from v
    where commands.id = v.id and (${statusGuard})
      and (v.agent is null or commands.agent_id = v.agent)
    returning commands.id as id, commands.history_seq as seq`;
}

/**
 * Splits writes into rounds in which each id appears once: round n holds every
 * id's n-th write. One UPDATE … FROM with two source rows for one command would
 * apply either; rounds apply a command's writes in the order given.
 */
function rounds(
  writes: readonly CommandTransitionWrite[],
): { write: CommandTransitionWrite; index: number }[][] {
  const seen = new Map<string, number>();
  const out: { write: CommandTransitionWrite; index: number }[][] = [];
  writes.forEach((write, index) => {
    const round = seen.get(write.id) ?? 0;
    seen.set(write.id, round + 1);
    (out[round] ??= []).push({ write, index });
  });
  return out;
}

/** Applies what the guard allows, in order; returns the ids of the applied writes, in input order. */
export async function writeTransitions(
  db: SqlExecutor,
  writes: readonly CommandTransitionWrite[],
): Promise<string[]> {
  if (writes.length === 0) return [];
  const applied = new Array<boolean>(writes.length).fill(false);
  await inTransaction(db, async (trx) => {
    for (const round of rounds(writes)) {
      for (const part of chunks(round, TRANSITIONS_PER_STATEMENT)) {
        const result = await transitionStatement(part.map((p) => p.write)).execute(trx);
        const seqById = new Map(result.rows.map((row) => [row.id, Number(row.seq)]));
        const history = [];
        for (const { write, index } of part) {
          const seq = seqById.get(write.id);
          if (seq === undefined) continue;
          applied[index] = true;
          history.push({
            command_id: write.id,
            seq,
            status: write.to,
            at: write.at,
            detail: write.detail ?? null,
          });
        }
        for (const rows of chunks(history, HISTORY_ROWS_PER_STATEMENT)) {
          if (rows.length > 0) await trx.insertInto('command_history').values(rows).execute();
        }
      }
    }
  });
  return writes.filter((_, index) => applied[index]).map((write) => write.id);
}

/** Last write per id wins; only running or cancel_requested rows take progress. */
export async function writeProgress(db: SqlExecutor, writes: readonly CommandProgressWrite[]): Promise<void> {
  const latest = [...new Map(writes.map((w) => [w.id, w])).values()];
  if (latest.length === 0) return;
  await inTransaction(db, async (trx) => {
    for (const part of chunks(latest, PROGRESS_PER_STATEMENT)) {
      const values = part.map((w) => sql`(${w.id}, ${toJson(w.progress)})`);
      await sql`
        with v (id, progress) as (values ${sql.join(values)})
        update commands set progress = v.progress
        from v
        where commands.id = v.id and commands.status in ('running', 'cancel_requested')`.execute(trx);
    }
  });
}
