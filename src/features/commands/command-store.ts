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

/** A status a command row may hold: the lifecycle's, or a bulk parent's aggregate. */
export type TransitionStatus = CommandStatus | AggregateStatus;

/** One status change to store, with what came with it. */
export interface CommandTransitionWrite {
  readonly id: string;
  readonly to: TransitionStatus;
  /**
   * Statuses the command may pass through on the way to `to`, in order: the
   * write starts at the first of `[...via, to]` the stored status may move to
   * and records every status it passes (an agent's `succeeded` for a command
   * still stored as dispatched: via acknowledged, running).
   */
  readonly via?: readonly CommandStatus[];
  readonly at: number;
  readonly detail?: string;
  /** Set with dispatch and redelivery: the delivery counter goes up by one. */
  readonly delivered?: boolean;
  readonly progress?: CommandProgress;
  readonly result?: JsonValue;
  readonly error?: CommandFailure;
  /** When set, the write applies only to a command of this agent (agent reports). */
  readonly agentId?: string;
  /** Places a child that has no agent yet on this one (the scheduler); refused for any other command. */
  readonly assignAgentId?: string;
}

/** A write that was applied: the status it found and the statuses it recorded, the last being its `to`. */
export interface AppliedTransition {
  readonly id: string;
  /** The command's agent; null for a bulk parent. */
  readonly agentId: string | null;
  readonly from: TransitionStatus;
  readonly path: readonly TransitionStatus[];
}

/** How many of a bulk parent's children are in each status. */
export type ChildCounts = Readonly<Partial<Record<CommandStatus, number>>>;

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
  /**
   * Claims an idempotency key for a command about to be inserted in the same transaction, recording
   * which request (by hash) it stands for. False when the key is already taken: the earlier request's
   * row is kept, and a concurrent claim (another instance, on PostgreSQL) waits for that request's
   * transaction and then sees false, so the caller can replay it instead of failing.
   */
  claimIdempotencyKey(
    requester: string,
    key: string,
    commandId: string,
    requestHash: string,
    at: number,
  ): Promise<boolean>;
  list(
    filter: CommandFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: Command[]; nextAfterId: string | undefined }>;
  /**
   * Applies status changes in batches. A write is applied only when the stored
   * status may move to it (COMMAND_PREDECESSORS, through `via` where given;
   * aggregate statuses of bulk parents by PARENT_PREDECESSORS); each status it
   * passes adds a history entry. Several writes for one command apply in order.
   * Returns one entry per applied write, in input order.
   */
  applyTransitions(writes: readonly CommandTransitionWrite[]): Promise<AppliedTransition[]>;
  /** Updates progress of commands still running (or cancel_requested); other rows are left alone. */
  applyProgress(writes: readonly CommandProgressWrite[]): Promise<void>;
  /**
   * Commands of one agent waiting to be sent (queued or scheduled), not expired
   * at `nowMs`: emergency first, then by priority, then oldest first.
   */
  backlogForAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]>;
  /**
   * Which of these agents have backlog (queued or scheduled, not expired at
   * `nowMs`) created at or before `createdBefore`: work another instance stored
   * for them whose signal did not arrive (ADR 0017). Each agent at most once.
   */
  agentsWithBacklog(agentIds: readonly string[], createdBefore: number, nowMs: number): Promise<string[]>;
  /**
   * Commands out on one agent: dispatched and not expired at `nowMs` (to be
   * sent again: never acknowledged), acknowledged, running or cancel_requested.
   * Oldest first.
   */
  outstandingOnAgent(agentId: string, nowMs: number, limit: number): Promise<Command[]>;
  /**
   * Children of capability targets the scheduler has not placed yet (no agent,
   * queued, not expired at `nowMs`): emergency first, then priority, then
   * oldest.
   */
  unplacedChildren(nowMs: number, limit: number): Promise<Command[]>;
  /** Bulk parents whose aggregate is not final (queued or running), oldest first. */
  openParents(limit: number): Promise<Command[]>;
  /** Per parent, its children by status (parents without children are absent). */
  childCounts(parentIds: readonly string[]): Promise<Map<string, ChildCounts>>;
  /** Ids of commands that never reached an agent and whose expiry passed (queued, scheduled, dispatched). */
  dueToExpire(nowMs: number, limit: number): Promise<string[]>;
  /** Ids of commands out on an agent whose deadline passed (dispatched, acknowledged, running, cancel_requested). */
  dueToTimeOut(nowMs: number, limit: number): Promise<string[]>;
  /** How many commands are in each status (bulk parents excluded). */
  countsByStatus(): Promise<Readonly<Record<string, number>>>;
}
