// The command store's hot writes: status transitions and progress, many
// commands at a time (group commit). A batch costs two statements per chunk,
// whatever its size: one SELECT of the stored statuses, and one UPDATE … FROM
// (VALUES …) that moves every command the batch touches and appends to its
// history (the `history` column, see command-rows.ts).
//
// Paths: a write may name statuses to pass through on the way (`via`): an agent
// that reports `succeeded` for a command stored as `dispatched` moves it
// dispatched → acknowledged → running → succeeded in one row update with three
// history rows. The path starts at the first step the stored status may move
// to (COMMAND_PREDECESSORS), so the same report also applies, shorter, to a
// command already `running`, and to one in `cancel_requested` (straight to
// succeeded). Several writes for one command in a batch apply in order and
// become one row update.
//
// Guard: the plan is made from the statuses read in the same transaction, and
// the UPDATE only touches a row whose status is still the one the plan started
// from, so a concurrent writer can make a write not apply, never apply twice or
// move a command backwards.
//
// Placement: a child created for a capability target has no agent until the
// scheduler places it; the write that schedules it names the agent
// (`assignAgentId`), which is set only while the child has none.
import { sql } from 'kysely';
import {
  batches,
  chunks,
  inTransaction,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { historyText } from './command-rows.js';
import { COMMAND_PREDECESSORS, type AggregateStatus } from './command-state.js';
import type { CommandHistoryEntry } from './command.js';
import type {
  AppliedTransition,
  CommandProgressWrite,
  CommandTransitionWrite,
  TransitionStatus,
} from './command-store.js';

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

type Predecessors = Readonly<Partial<Record<TransitionStatus, readonly TransitionStatus[]>>>;

/**
 * The statuses a write passes through from `from`: the steps of `[...via, to]`
 * from the first one `from` may move to (but not loop on), each legal after
 * the one before; or undefined when `from` may move to none of them.
 */
export function pathFrom(
  from: TransitionStatus,
  steps: readonly TransitionStatus[],
  predecessors: Predecessors,
): TransitionStatus[] | undefined {
  // A status the command already holds is not entered again on the way (running → running is
  // progress, not a step), only when it is where the write ends (a redelivery: dispatched → dispatched).
  const last = steps.length - 1;
  const start = steps.findIndex(
    (step, i) => predecessors[step]?.includes(from) === true && (step !== from || i === last),
  );
  if (start < 0) return undefined;
  const path = steps.slice(start);
  for (let i = 1; i < path.length; i++) {
    const step = path[i] as TransitionStatus;
    if (predecessors[step]?.includes(path[i - 1] as TransitionStatus) !== true) return undefined;
  }
  return path;
}

interface StoredRow {
  status: TransitionStatus;
  agentId: string | null;
  /** A bulk parent: no agent and no parent. */
  readonly parent: boolean;
}

/** One command's row update: where it started, its history rows, and the last value of each field. */
interface RowPlan {
  readonly id: string;
  agentId: string | null;
  assign: string | null;
  readonly from: TransitionStatus;
  to: TransitionStatus;
  at: number;
  deliveries: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  readonly history: CommandHistoryEntry[];
  readonly applied: { index: number; from: TransitionStatus; path: TransitionStatus[] }[];
}

// Rows per statement: the hot statements come in few shapes (batches()), each prepared once.
const READ_IDS_PER_QUERY = 512;
const UPDATES_PER_STATEMENT = 256;
const PROGRESS_COLUMNS = 2;
const PROGRESS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMETERS / PROGRESS_COLUMNS);

const jsonOrNull = (value: unknown): string | null => (value === undefined ? null : toJson(value));

async function readRows(db: SqlExecutor, ids: readonly string[]): Promise<Map<string, StoredRow>> {
  const rows = new Map<string, StoredRow>();
  for (const part of batches(ids, READ_IDS_PER_QUERY)) {
    const found = await db
      .selectFrom('commands')
      .select(['id', 'status', 'agent_id', 'parent_id'])
      .where('id', 'in', part)
      .execute();
    for (const row of found)
      rows.set(row.id, {
        status: row.status as TransitionStatus,
        agentId: row.agent_id,
        parent: row.agent_id === null && row.parent_id === null,
      });
  }
  return rows;
}

/** Walks the writes in order over the stored statuses; one plan per command that moves. */
function plan(writes: readonly CommandTransitionWrite[], rows: Map<string, StoredRow>): RowPlan[] {
  const plans = new Map<string, RowPlan>();
  writes.forEach((write, index) => {
    const row = rows.get(write.id);
    if (!row) return;
    if (write.agentId !== undefined && row.agentId !== write.agentId) return;
    // Only a child waiting for placement takes an agent.
    if (write.assignAgentId !== undefined && (row.parent || row.agentId !== null)) return;
    const predecessors: Predecessors = row.parent ? PARENT_PREDECESSORS : COMMAND_PREDECESSORS;
    const path = pathFrom(row.status, [...(write.via ?? []), write.to], predecessors);
    if (!path) return;
    let rowPlan = plans.get(write.id);
    if (!rowPlan) {
      rowPlan = {
        id: write.id,
        agentId: row.agentId,
        assign: null,
        from: row.status,
        to: row.status,
        at: write.at,
        deliveries: 0,
        progress: null,
        result: null,
        error: null,
        history: [],
        applied: [],
      };
      plans.set(write.id, rowPlan);
    }
    rowPlan.applied.push({ index, from: row.status, path });
    path.forEach((status, i) =>
      rowPlan.history.push(
        // The write's detail describes where it ends.
        i === path.length - 1 && write.detail !== undefined
          ? { status, at: write.at, detail: write.detail }
          : { status, at: write.at },
      ),
    );
    if (write.assignAgentId !== undefined) {
      rowPlan.assign = write.assignAgentId;
      rowPlan.agentId = row.agentId = write.assignAgentId;
    }
    rowPlan.to = write.to;
    rowPlan.at = write.at;
    if (write.delivered === true) rowPlan.deliveries += 1;
    rowPlan.progress = jsonOrNull(write.progress) ?? rowPlan.progress;
    rowPlan.result = jsonOrNull(write.result) ?? rowPlan.result;
    rowPlan.error = jsonOrNull(write.error) ?? rowPlan.error;
    row.status = write.to;
  });
  return [...plans.values()];
}

function updateStatement(plans: readonly RowPlan[]) {
  const values = plans.map(
    (p) =>
      sql`(${p.id}, ${p.from}, ${p.to}, ${p.at}, ${p.deliveries}, ${p.progress}, ${p.result}, ${p.error}, ${`,${historyText(p.history)}`}, ${p.assign})`,
  );
  // Casts: PostgreSQL types untyped VALUES parameters as text. A null progress, result or error
  // keeps what is stored; a JSON null result is the text "null", so it is stored.
  return sql<{ id: string }>`
    with v (id, expected, status, at, deliveries, progress, result, error, history, assign)
      as (values ${sql.join(values)})
    update commands set
      status = v.status,
      agent_id = coalesce(commands.agent_id, v.assign),
      deliveries = commands.deliveries + cast(v.deliveries as integer),
      progress = coalesce(v.progress, commands.progress),
      result = coalesce(v.result, commands.result),
      error = coalesce(v.error, commands.error),
      updated_at = cast(v.at as bigint),
      history = commands.history || v.history
    from v
    where commands.id = v.id and commands.status = v.expected
      and (v.assign is null or commands.agent_id is null)
    returning commands.id as id`;
}

/**
 * Applies what the lifecycle allows, in order (see the top of this file).
 * Returns one entry per applied write, in input order.
 */
export async function writeTransitions(
  db: SqlExecutor,
  writes: readonly CommandTransitionWrite[],
): Promise<AppliedTransition[]> {
  if (writes.length === 0) return [];
  return inTransaction(db, async (trx) => {
    const rows = await readRows(trx, [...new Set(writes.map((w) => w.id))]);
    const applied: { index: number; transition: AppliedTransition }[] = [];
    for (const part of batches(plan(writes, rows), UPDATES_PER_STATEMENT)) {
      const result = await updateStatement(part).execute(trx);
      const updated = new Set(result.rows.map((row) => row.id));
      for (const p of part) {
        if (!updated.has(p.id)) continue;
        for (const a of p.applied)
          applied.push({
            index: a.index,
            transition: { id: p.id, agentId: p.agentId, from: a.from, path: a.path },
          });
      }
    }
    return applied.sort((a, b) => a.index - b.index).map((a) => a.transition);
  });
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
