// What the commands feature needs from persistence. Hot-path writes come in
// batches (group commit): many commands' transitions in one statement set, each
// guarded by COMMAND_PREDECESSORS so a late or repeated write never moves a
// command backwards. Implemented over SQL (sql-command-store.ts); one contract
// suite (command-store.contract.ts).
import type { AggregateStatus, CommandStatus } from './command-state.js';
import type { Command, CommandFailure, CommandProgress, JsonValue } from './command.js';

export interface CommandFilter {
  readonly status?: readonly (CommandStatus | AggregateStatus)[];
  readonly agentId?: string;
  readonly type?: string;
  readonly parentId?: string;
  /** createdAt >= since */
  readonly since?: number;
  /** createdAt < until */
  readonly until?: number;
}

/** One status change to store, with what came with it. */
export interface CommandTransitionWrite {
  readonly id: string;
  readonly to: CommandStatus | AggregateStatus;
  readonly at: number;
  readonly detail?: string;
  /** Set with dispatch and redelivery: the delivery counter goes up by one. */
  readonly delivered?: boolean;
  readonly progress?: CommandProgress;
  readonly result?: JsonValue;
  readonly error?: CommandFailure;
  /** When set, the write applies only to a command of this agent (agent reports). */
  readonly agentId?: string;
}

/** Progress on a command whose status does not change (running → running). */
export interface CommandProgressWrite {
  readonly id: string;
  readonly progress: CommandProgress;
}

export interface CommandStore {
  /** Inserts commands (a bulk parent and its children in one call); history starts with their status. */
  insertMany(commands: readonly Command[]): Promise<void>;
  get(id: string): Promise<Command | undefined>;
  /** The command an earlier request with this idempotency key created, with the hash of that request. */
  findByIdempotencyKey(
    requester: string,
    key: string,
  ): Promise<{ command: Command; requestHash: string } | undefined>;
  /** Records which request (by hash) an idempotency key stands for; inserted with the command. */
  rememberIdempotencyKey(
    requester: string,
    key: string,
    commandId: string,
    requestHash: string,
    at: number,
  ): Promise<void>;
  list(
    filter: CommandFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: Command[]; nextAfterId: string | undefined }>;
  /**
   * Applies status changes in batches. A write is applied only when the stored
   * status is a legal predecessor of `to` (COMMAND_PREDECESSORS; aggregate
   * statuses of bulk parents may replace each other); each applied write adds a
   * history entry. Returns the ids of the writes that were applied, in order.
   */
  applyTransitions(writes: readonly CommandTransitionWrite[]): Promise<string[]>;
  /** Updates progress of commands still running (or cancel_requested); other rows are left alone. */
  applyProgress(writes: readonly CommandProgressWrite[]): Promise<void>;
  /**
   * Commands of one agent still to be delivered or re-delivered: queued,
   * scheduled, or dispatched but unacknowledged, not expired at `nowMs`;
   * emergency first, then by priority, then oldest first.
   */
  pendingForAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]>;
  /** Ids of commands that never reached an agent and whose expiry passed (queued, scheduled, dispatched). */
  dueToExpire(nowMs: number, limit: number): Promise<string[]>;
  /** Ids of commands out on an agent whose deadline passed (dispatched, acknowledged, running, cancel_requested). */
  dueToTimeOut(nowMs: number, limit: number): Promise<string[]>;
  /** How many commands are in each status (bulk parents excluded). */
  countsByStatus(): Promise<Readonly<Record<string, number>>>;
}
