// CommandStore over SQL (any Kysely dialect). A command is one commands row
// plus append-only command_history rows; the batched transition and progress
// writes are in sql-command-transitions.ts, row mapping in command-rows.ts.
//
// Bulk parents are the rows with no agent_id (a child, or a single-agent
// command, always names its agent). They hold an aggregate status, so the
// per-agent queue, the sweeps and countsByStatus leave them out.
import {
  checkedLimit,
  chunks,
  fetchLimit,
  inTransaction,
  insertOnce,
  keysetPage,
  MAX_BOUND_PARAMETERS,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import { COMMAND_STATUS_VALUES, type CommandStatus } from './command-state.js';
import type { Command } from './command.js';
import { COMMAND_COLUMNS, commandRow, historyRows, withHistories } from './command-rows.js';
import type {
  CommandFilter,
  CommandProgressWrite,
  CommandStore,
  CommandTransitionWrite,
} from './command-store.js';
import { writeProgress, writeTransitions } from './sql-command-transitions.js';

const COMMAND_INSERT_COLUMNS = 20;
const COMMANDS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / COMMAND_INSERT_COLUMNS);
const HISTORY_ROWS_PER_INSERT = Math.floor(MAX_BOUND_PARAMETERS / 5);

const PENDING: readonly CommandStatus[] = ['queued', 'scheduled', 'dispatched'];
const EXPIRABLE: readonly CommandStatus[] = ['queued', 'scheduled', 'dispatched'];
const TIMEABLE: readonly CommandStatus[] = ['dispatched', 'acknowledged', 'running', 'cancel_requested'];

export class SqlCommandStore implements CommandStore {
  constructor(private readonly db: SqlExecutor) {}

  async insertMany(commands: readonly Command[]): Promise<void> {
    if (commands.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of chunks(commands, COMMANDS_PER_INSERT)) {
        await insertOnce(
          () => trx.insertInto('commands').values(part.map(commandRow)).execute(),
          () => alreadyExists('a command with one of these ids already exists'),
        );
      }
      for (const rows of chunks(commands.flatMap(historyRows), HISTORY_ROWS_PER_INSERT)) {
        await trx.insertInto('command_history').values(rows).execute();
      }
    });
  }

  async get(id: string): Promise<Command | undefined> {
    const row = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && (await withHistories(this.db, [row]))[0];
  }

  async findByIdempotencyKey(
    requester: string,
    key: string,
  ): Promise<{ command: Command; requestHash: string } | undefined> {
    const remembered = await this.db
      .selectFrom('command_idempotency')
      .select(['command_id', 'request_hash'])
      .where('requester', '=', requester)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!remembered) return undefined;
    const command = await this.get(remembered.command_id);
    return command && { command, requestHash: remembered.request_hash };
  }

  async rememberIdempotencyKey(
    requester: string,
    key: string,
    commandId: string,
    requestHash: string,
    at: number,
  ): Promise<void> {
    await insertOnce(
      () =>
        this.db
          .insertInto('command_idempotency')
          .values({ requester, key, command_id: commandId, request_hash: requestHash, created_at: at })
          .execute(),
      () => alreadyExists(`idempotency key ${JSON.stringify(key)} is already in use`),
    );
  }

  /** Empty status lists do not filter. Pages run by id, which is creation order. */
  async list(
    filter: CommandFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: Command[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('commands').select(COMMAND_COLUMNS);
    if (filter.status?.length) query = query.where('status', 'in', filter.status);
    if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
    if (filter.type !== undefined) query = query.where('type', '=', filter.type);
    if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId);
    if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
    if (page.afterId !== undefined) query = query.where('id', page.order === 'asc' ? '>' : '<', page.afterId);
    const rows = await query.orderBy('id', page.order).limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: await withHistories(this.db, items), nextAfterId };
  }

  applyTransitions(writes: readonly CommandTransitionWrite[]): Promise<string[]> {
    return writeTransitions(this.db, writes);
  }

  applyProgress(writes: readonly CommandProgressWrite[]): Promise<void> {
    return writeProgress(this.db, writes);
  }

  async pendingForAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('agent_id', '=', agentId)
      .where('status', 'in', PENDING)
      .where('expires_at', '>', nowMs)
      .orderBy('priority_rank')
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return withHistories(this.db, rows);
  }

  /** Oldest expiry first. Bulk parents are left out: their status follows their children. */
  async dueToExpire(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select('id')
      .where('status', 'in', EXPIRABLE)
      .where('expires_at', '<=', nowMs)
      .where('agent_id', 'is not', null)
      .orderBy('expires_at')
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map((row) => row.id);
  }

  /** Oldest deadline first. Bulk parents are left out: their status follows their children. */
  async dueToTimeOut(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select('id')
      .where('status', 'in', TIMEABLE)
      .where('deadline_at', '<=', nowMs)
      .where('agent_id', 'is not', null)
      .orderBy('deadline_at')
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map((row) => row.id);
  }

  /** Every command status, zero when none; bulk parents (no agent_id) are not counted. */
  async countsByStatus(): Promise<Readonly<Record<string, number>>> {
    const rows = await this.db
      .selectFrom('commands')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .where('agent_id', 'is not', null)
      .groupBy('status')
      .execute();
    const counts: Record<string, number> = Object.fromEntries(COMMAND_STATUS_VALUES.map((s) => [s, 0]));
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }
}
