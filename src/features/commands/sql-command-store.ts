// CommandStore over SQL (any Kysely dialect). A command is one commands row,
// its history included; the batched transition and progress writes are in
// sql-command-transitions.ts, row mapping in command-rows.ts.
//
// Bulk parents are the rows with neither agent_id nor parent_id (a single
// command names its agent; a child names its parent, and its agent once
// placed). They hold an aggregate status, so the per-agent queue, the sweeps
// and countsByStatus leave them out.
import { sql, type ExpressionBuilder } from 'kysely';
import type { DB } from '../../infra/store/sql/db-schema.js';
import {
  batches,
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
import { COMMAND_COLUMNS, commandRow, toCommand } from './command-rows.js';
import type {
  AppliedTransition,
  ChildCounts,
  CommandFilter,
  CommandProgressWrite,
  CommandStore,
  CommandTransitionWrite,
} from './command-store.js';
import { writeProgress, writeTransitions } from './sql-command-transitions.js';

const COMMANDS_PER_INSERT = 256;
/** Agent ids per backlog lookup: one statement reads the partial backlog index for each. */
const AGENTS_PER_LOOKUP = 500;

// Each mirrors the condition of a partial index (migration 0005) and is written with literals: the
// planner uses a partial index only for a query whose WHERE repeats the index's condition.
const BACKLOG = statusIn(['queued', 'scheduled']);
const OUTSTANDING = statusIn(['dispatched', 'acknowledged', 'running', 'cancel_requested']);
const EXPIRABLE = statusIn(['queued', 'scheduled', 'dispatched']);
const TIMEABLE = OUTSTANDING;
const OPEN_AGGREGATE = statusIn(['queued', 'running']);

function statusIn(statuses: readonly CommandStatus[]) {
  return sql<boolean>`status in (${sql.join(statuses.map((status) => sql.lit(status)))})`;
}

/** Every row but a bulk parent's: commands with an agent, and children still waiting for placement. */
const notBulkParent = (eb: ExpressionBuilder<DB, 'commands'>) =>
  eb.or([eb('agent_id', 'is not', null), eb('parent_id', 'is not', null)]);

export class SqlCommandStore implements CommandStore {
  constructor(private readonly db: SqlExecutor) {}

  async insertMany(commands: readonly Command[]): Promise<void> {
    if (commands.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of batches(commands, COMMANDS_PER_INSERT)) {
        await insertOnce(
          () => trx.insertInto('commands').values(part.map(commandRow)).execute(),
          () => alreadyExists('a command with one of these ids already exists'),
        );
      }
    });
  }

  async get(id: string): Promise<Command | undefined> {
    const row = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCommand(row);
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

  async claimIdempotencyKey(
    requester: string,
    key: string,
    commandId: string,
    requestHash: string,
    at: number,
  ): Promise<boolean> {
    const [result] = await this.db
      .insertInto('command_idempotency')
      .values({ requester, key, command_id: commandId, request_hash: requestHash, created_at: at })
      .onConflict((oc) => oc.columns(['requester', 'key']).doNothing())
      .execute();
    return Number(result?.numInsertedOrUpdatedRows ?? 0) === 1;
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
    return { items: items.map(toCommand), nextAfterId };
  }

  applyTransitions(writes: readonly CommandTransitionWrite[]): Promise<AppliedTransition[]> {
    return writeTransitions(this.db, writes);
  }

  applyProgress(writes: readonly CommandProgressWrite[]): Promise<void> {
    return writeProgress(this.db, writes);
  }

  async backlogForAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('agent_id', '=', agentId)
      .where(BACKLOG)
      .where('expires_at', '>', nowMs)
      .orderBy('priority_rank')
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toCommand);
  }

  async agentsWithBacklog(
    agentIds: readonly string[],
    createdBefore: number,
    nowMs: number,
  ): Promise<string[]> {
    const found: string[] = [];
    for (const part of chunks([...new Set(agentIds)], AGENTS_PER_LOOKUP)) {
      const rows = await this.db
        .selectFrom('commands')
        .select('agent_id')
        .distinct()
        .where('agent_id', 'in', part)
        .where(BACKLOG)
        .where('created_at', '<=', createdBefore)
        .where('expires_at', '>', nowMs)
        .execute();
      for (const row of rows) if (row.agent_id !== null) found.push(row.agent_id);
    }
    return found;
  }

  async outstandingOnAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('agent_id', '=', agentId)
      .where(OUTSTANDING)
      .where((eb) => eb.or([eb('status', '!=', 'dispatched'), eb('expires_at', '>', nowMs)]))
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toCommand);
  }

  async unplacedChildren(nowMs: number, limit: number): Promise<Command[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where(EXPIRABLE)
      .where('status', '=', 'queued')
      .where('agent_id', 'is', null)
      .where('parent_id', 'is not', null)
      .where('expires_at', '>', nowMs)
      .orderBy('priority_rank')
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toCommand);
  }

  async openParents(limit: number): Promise<Command[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select(COMMAND_COLUMNS)
      .where('agent_id', 'is', null)
      .where('parent_id', 'is', null)
      .where(OPEN_AGGREGATE)
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toCommand);
  }

  async childCounts(parentIds: readonly string[]): Promise<Map<string, ChildCounts>> {
    const counts = new Map<string, Partial<Record<CommandStatus, number>>>();
    for (const part of chunks([...new Set(parentIds)], MAX_BOUND_PARAMETERS)) {
      const rows = await this.db
        .selectFrom('commands')
        .select(['parent_id', 'status', (eb) => eb.fn.countAll().as('n')])
        .where('parent_id', 'in', part)
        .groupBy(['parent_id', 'status'])
        .execute();
      for (const row of rows) {
        if (row.parent_id === null) continue;
        const byStatus = counts.get(row.parent_id) ?? {};
        byStatus[row.status as CommandStatus] = Number(row.n);
        counts.set(row.parent_id, byStatus);
      }
    }
    return counts;
  }

  /** Oldest expiry first. Bulk parents are left out: their status follows their children. */
  async dueToExpire(nowMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('commands')
      .select('id')
      .where(EXPIRABLE)
      .where('expires_at', '<=', nowMs)
      .where(notBulkParent)
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
      .where(TIMEABLE)
      .where('deadline_at', '<=', nowMs)
      .where(notBulkParent)
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
      .where(notBulkParent)
      .groupBy('status')
      .execute();
    const counts: Record<string, number> = Object.fromEntries(COMMAND_STATUS_VALUES.map((s) => [s, 0]));
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }
}
