// Mapping between commands and their SQL rows. A command's history lives in
// its row (the `history` column): comma-separated JSON entries, oldest first,
// without the enclosing brackets, so a transition appends to it in the same
// UPDATE that moves the status (sql-command-transitions.ts).
import type { Insertable, Selectable } from 'kysely';
import type { CommandsTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, toJson } from '../../infra/store/sql/sql-helpers.js';
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
  'history',
] as const satisfies readonly (keyof CommandsTable)[];

export type CommandRow = Pick<Selectable<CommandsTable>, (typeof COMMAND_COLUMNS)[number]>;

const nullableJson = <T>(text: string | null): T | null => (text === null ? null : fromJson<T>(text));

/** History entries as the column holds them: `{…},{…}`. */
export function historyText(entries: readonly CommandHistoryEntry[]): string {
  return entries
    .map((entry) =>
      toJson(
        entry.detail === undefined
          ? { status: entry.status, at: entry.at }
          : { status: entry.status, at: entry.at, detail: entry.detail },
      ),
    )
    .join(',');
}

function parseHistory(text: string): CommandHistoryEntry[] {
  return text === '' ? [] : fromJson<CommandHistoryEntry[]>(`[${text}]`);
}

export function toCommand(row: CommandRow): Command {
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
    history: parseHistory(row.history),
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
    history: historyText(initialHistory(command)),
  };
}
