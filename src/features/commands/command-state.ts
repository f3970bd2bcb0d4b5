// The command lifecycle: statuses, the events that move a command between them,
// and the aggregate status of a bulk parent. Pure rules, no I/O; property-tested
// in command-state.test.ts. docs/adr/0006-command-lifecycle.md explains the choices.
//
// Happy path: queued → scheduled → dispatched → acknowledged → running → succeeded | failed | timed_out.
// - `redeliver` re-sends a dispatched command after a reconnect: dispatched → dispatched, never backwards.
// - `request_cancel` is accepted in every non-terminal status and leads to cancel_requested. From there the
//   command ends `cancelled` (confirm_cancel: sent by the agent, or by the service itself when the command
//   never reached an agent, see `cancelNeedsAgent`), or it still ends succeeded / failed / timed_out if the
//   agent finishes first. Late acknowledge / start / progress reports keep it cancel_requested.
// - `expire` (expiresAt passed) applies only to commands no agent has acknowledged: queued, scheduled and
//   dispatched. A dispatched command was sent but not acknowledged, so the agent may not run it after
//   expiresAt; a late acknowledge of an expired command is refused.
// - `time_out` (deadlineAt passed) applies once a command may be on an agent: dispatched, acknowledged,
//   running, cancel_requested. Creation guarantees expiresAt ≤ deadlineAt, so earlier commands expire first.
// - Terminal statuses accept no event; the same terminal report arriving twice is recognised by
//   `isDuplicateReport` so callers can answer it idempotently instead of failing.
//
// Bulk parents do not run the machine; their status is `aggregateStatus(children)`:
// - no children yet, or every child queued/scheduled → queued; any other child not terminal → running;
// - every child terminal: all the same status → that status; otherwise some succeeded → partially_failed,
//   none succeeded → failed.
import { preconditionFailed } from '../../shared/errors.js';

export const CommandStatus = {
  Queued: 'queued',
  Scheduled: 'scheduled',
  Dispatched: 'dispatched',
  Acknowledged: 'acknowledged',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  TimedOut: 'timed_out',
  CancelRequested: 'cancel_requested',
  Cancelled: 'cancelled',
  Expired: 'expired',
} as const;
export type CommandStatus = (typeof CommandStatus)[keyof typeof CommandStatus];
export const COMMAND_STATUS_VALUES = Object.values(CommandStatus);

export const TERMINAL_STATUSES: ReadonlySet<CommandStatus> = new Set<CommandStatus>([
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'expired',
]);
export const isTerminal = (status: CommandStatus): boolean => TERMINAL_STATUSES.has(status);

export const CommandEvent = {
  Schedule: 'schedule',
  Dispatch: 'dispatch',
  Acknowledge: 'acknowledge',
  Start: 'start',
  Progress: 'progress',
  Succeed: 'succeed',
  Fail: 'fail',
  TimeOut: 'time_out',
  RequestCancel: 'request_cancel',
  ConfirmCancel: 'confirm_cancel',
  Expire: 'expire',
  Redeliver: 'redeliver',
} as const;
export type CommandEvent = (typeof CommandEvent)[keyof typeof CommandEvent];
export const COMMAND_EVENT_VALUES = Object.values(CommandEvent);

/** The one table the machine is: status → event → next status. A missing entry is an illegal transition. */
const TRANSITIONS: Readonly<Record<CommandStatus, Partial<Record<CommandEvent, CommandStatus>>>> = {
  queued: { schedule: 'scheduled', request_cancel: 'cancel_requested', expire: 'expired' },
  scheduled: { dispatch: 'dispatched', request_cancel: 'cancel_requested', expire: 'expired' },
  dispatched: {
    redeliver: 'dispatched',
    acknowledge: 'acknowledged',
    request_cancel: 'cancel_requested',
    expire: 'expired',
    time_out: 'timed_out',
  },
  acknowledged: { start: 'running', request_cancel: 'cancel_requested', time_out: 'timed_out' },
  running: {
    progress: 'running',
    succeed: 'succeeded',
    fail: 'failed',
    time_out: 'timed_out',
    request_cancel: 'cancel_requested',
  },
  cancel_requested: {
    // The agent had not seen the cancel yet when it sent these; they are recorded, the status stays.
    acknowledge: 'cancel_requested',
    start: 'cancel_requested',
    progress: 'cancel_requested',
    request_cancel: 'cancel_requested',
    confirm_cancel: 'cancelled',
    succeed: 'succeeded',
    fail: 'failed',
    time_out: 'timed_out',
  },
  succeeded: {},
  failed: {},
  timed_out: {},
  cancelled: {},
  expired: {},
};

/**
 * The statuses each status may be reached from (itself included where an event loops). Stores use it to
 * guard batched writes: a status is written only over a legal predecessor, so a late or reordered write
 * never moves a command backwards or out of a terminal status.
 */
export const COMMAND_PREDECESSORS: Readonly<Record<CommandStatus, readonly CommandStatus[]>> = {
  queued: [],
  scheduled: ['queued'],
  dispatched: ['scheduled', 'dispatched'],
  acknowledged: ['dispatched'],
  running: ['acknowledged', 'running'],
  succeeded: ['running', 'cancel_requested'],
  failed: ['running', 'cancel_requested'],
  timed_out: ['dispatched', 'acknowledged', 'running', 'cancel_requested'],
  cancel_requested: ['queued', 'scheduled', 'dispatched', 'acknowledged', 'running', 'cancel_requested'],
  cancelled: ['cancel_requested'],
  expired: ['queued', 'scheduled', 'dispatched'],
};

export function canTransition(status: CommandStatus, event: CommandEvent): boolean {
  return TRANSITIONS[status][event] !== undefined;
}

/**
 * The status after `event`. An illegal event throws `precondition_failed`: the request itself is well
 * formed, the command is just not in a status that allows it (gRPC FAILED_PRECONDITION, HTTP 409/412);
 * retrying unchanged cannot succeed, so it is not `unavailable`, and the input is not wrong in itself, so
 * it is not `invalid_argument`.
 */
export function transition(status: CommandStatus, event: CommandEvent): CommandStatus {
  const next = TRANSITIONS[status][event];
  if (next === undefined) {
    throw preconditionFailed(
      isTerminal(status)
        ? `the command is already ${status}; ${event} is not accepted`
        : `${event} is not accepted while the command is ${status}`,
    );
  }
  return next;
}

/** The terminal status each terminal report leads to. */
const TERMINAL_REPORT: Partial<Record<CommandEvent, CommandStatus>> = {
  succeed: 'succeeded',
  fail: 'failed',
  time_out: 'timed_out',
  confirm_cancel: 'cancelled',
  expire: 'expired',
};

/**
 * Whether `event` repeats the report that already made the command terminal (an agent re-sending its
 * result after a reconnect, two sweeps racing). Callers answer it as a success without writing anything.
 */
export function isDuplicateReport(status: CommandStatus, event: CommandEvent): boolean {
  return isTerminal(status) && TERMINAL_REPORT[event] === status;
}

/**
 * Whether a cancel must be confirmed by an agent. Queued and scheduled commands were never sent, so the
 * service confirms the cancel itself; a dispatched one may already sit on the agent.
 */
export function cancelNeedsAgent(statusBeforeCancel: CommandStatus): boolean {
  return (
    statusBeforeCancel === 'dispatched' ||
    statusBeforeCancel === 'acknowledged' ||
    statusBeforeCancel === 'running'
  );
}

/** A bulk parent's status: a command status, or partially_failed when only some children succeeded. */
export type AggregateStatus =
  'queued' | 'running' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled' | 'expired' | 'partially_failed';

export function aggregateStatus(children: readonly CommandStatus[]): AggregateStatus {
  if (children.every((s) => s === 'queued' || s === 'scheduled')) return 'queued';
  if (!children.every(isTerminal)) return 'running';
  const first = children[0] as CommandStatus; // non-empty: the empty list was queued above
  if (children.every((s) => s === first)) return first as AggregateStatus;
  return children.includes('succeeded') ? 'partially_failed' : 'failed';
}

/** aggregateStatus over counts of children by status (statuses with a zero or no count are absent). */
export function aggregateOfCounts(counts: Readonly<Partial<Record<CommandStatus, number>>>): AggregateStatus {
  const present = COMMAND_STATUS_VALUES.filter((status) => (counts[status] ?? 0) > 0);
  return aggregateStatus(present);
}
