// Mapping between commands and their SQL rows: the commands row, its
// command_history rows, and reading a page's history in one query.
import type { Insertable, Selectable } from 'kysely';
import type { CommandHistoryTable, CommandsTable } from '../../infra/store/sql/db-schema.js';
import {
  chunks,
  fromJson,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { PRIORITY_RANK, type CommandPriority } from './command-priority.js';
import type { AggregateStatus, CommandStatus } from './command-state.js';
import type {
  Command,
  CommandFailure,
  CommandHistoryEntry,
  CommandProgress,
  CommandTarget,
  JsonObject,
  JsonValue,
} from './command.js';

/** Every commands column but history_seq, which only the transition write uses. */
export const COMMAND_COLUMNS = [
  'id',
  'type',
  'params',
  'priority',
  'target',
  'agent_id',
  'parent_id',
  'requester',
  'idempotency_key',
  'created_at',
  'deadline_at',
  'expires_at',
  'status',
  'deliveries',
  'progress',
  'result',
  'error',
] as const satisfies readonly (keyof CommandsTable)[];

export type CommandRow = Pick<Selectable<CommandsTable>, (typeof COMMAND_COLUMNS)[number]>;
type HistoryRow = Selectable<CommandHistoryTable>;

const nullableJson = <T>(text: string | null): T | null => (text === null ? null : fromJson<T>(text));

export function toCommand(row: CommandRow, history: readonly CommandHistoryEntry[]): Command {
  return {
    id: row.id,
    type: row.type,
    params: fromJson<JsonObject>(row.params),
    priority: row.priority as CommandPriority,
    target: fromJson<CommandTarget>(row.target),
    agentId: row.agent_id,
    parentId: row.parent_id,
    requester: row.requester,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    deadlineAt: row.deadline_at,
    expiresAt: row.expires_at,
    status: row.status as CommandStatus | AggregateStatus,
    deliveries: row.deliveries,
    progress: nullableJson<CommandProgress>(row.progress),
    result: nullableJson<JsonValue>(row.result),
    error: nullableJson<CommandFailure>(row.error),
    history,
  };
}

/** The history a command is inserted with: its own, or one entry for its status when it has none. */
export function initialHistory(command: Command): readonly CommandHistoryEntry[] {
  return command.history.length > 0 ? command.history : [{ status: command.status, at: command.createdAt }];
}

export function commandRow(command: Command): Insertable<CommandsTable> {
  return {
    id: command.id,
    type: command.type,
    params: toJson(command.params),
    priority: command.priority,
    priority_rank: PRIORITY_RANK[command.priority],
    target: toJson(command.target),
    agent_id: command.agentId,
    parent_id: command.parentId,
    requester: command.requester,
    idempotency_key: command.idempotencyKey,
    created_at: command.createdAt,
    deadline_at: command.deadlineAt,
    expires_at: command.expiresAt,
    status: command.status,
    deliveries: command.deliveries,
    // A stored null result is the JSON text "null"; SQL NULL means "no result".
    progress: command.progress === null ? null : toJson(command.progress),
    result: command.result === null ? null : toJson(command.result),
    error: command.error === null ? null : toJson(command.error),
    updated_at: command.createdAt,
    history_seq: initialHistory(command).length,
  };
}

export function historyRows(command: Command): Insertable<CommandHistoryTable>[] {
  return initialHistory(command).map((entry, index) => ({
    command_id: command.id,
    seq: index + 1,
    status: entry.status,
    at: entry.at,
    detail: entry.detail ?? null,
  }));
}

const toEntry = (row: HistoryRow): CommandHistoryEntry => ({
  status: row.status as CommandStatus | AggregateStatus,
  at: row.at,
  ...(row.detail !== null && { detail: row.detail }),
});

const HISTORY_IDS_PER_QUERY = MAX_BOUND_PARAMETERS;

/** The history of each command in `ids`, oldest first: one query (per chunk of ids), not one per command. */
export async function historiesOf(
  db: SqlExecutor,
  ids: readonly string[],
): Promise<Map<string, CommandHistoryEntry[]>> {
  const histories = new Map<string, CommandHistoryEntry[]>(ids.map((id) => [id, []]));
  for (const part of chunks([...new Set(ids)], HISTORY_IDS_PER_QUERY)) {
    const rows = await db
      .selectFrom('command_history')
      .selectAll()
      .where('command_id', 'in', part)
      .orderBy('command_id')
      .orderBy('seq')
      .execute();
    for (const row of rows) histories.get(row.command_id)?.push(toEntry(row));
  }
  return histories;
}

/** Rows to commands, each with its full history. */
export async function withHistories(db: SqlExecutor, rows: readonly CommandRow[]): Promise<Command[]> {
  if (rows.length === 0) return [];
  const histories = await historiesOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toCommand(row, histories.get(row.id) ?? []));
}
