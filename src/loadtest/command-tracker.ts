// What became of each command a load test sent: when its POST went out, when
// the server stored its outcome, and how it ended. The end is the agent's
// update receipt (CommandChannelOptions.onUpdateStored), which the server sends
// only once the outcome is durable, so no polling is needed. That receipt can
// reach our in-process agent before the POST's response reaches us: an
// outcome for an id not known yet waits until its POST answers.
import type { CommandUpdateRecord, TerminalPhase } from '../agent/commands/command-types.js';
import { Phase, isTerminal } from '../agent/commands/command-types.js';
import { LatencyHistogram } from '../agent/latency-histogram.js';

/** One command as it was sent. */
export interface SentCommand {
  readonly agentId: string;
  readonly type: string;
  /** Just before its POST went out (the tracker's clock). */
  readonly sentAtMs: number;
}

export interface FailedCommand {
  /** Null when the admin API refused to create it. */
  readonly commandId: string | null;
  readonly agentId: string;
  readonly type: string;
  /** The final status: the agent's outcome, the server's status, `refused` or `unfinished`. */
  readonly status: string;
  readonly reason: string;
}

export const AGENT_OUTCOME: Readonly<Record<TerminalPhase, string>> = {
  [Phase.Succeeded]: 'succeeded',
  [Phase.Failed]: 'failed',
  [Phase.Cancelled]: 'cancelled',
  [Phase.Rejected]: 'rejected',
};

/** Failed commands listed one by one in the report; the rest are only counted by reason. */
const MAX_LISTED_FAILURES = 100;
const MAX_DISTINCT_REASONS = 50;

export class CommandTracker {
  readonly responseTimes = new LatencyHistogram();
  successful = 0;
  failed = 0;
  readonly outcomes = new Map<string, number>();
  readonly reasons = new Map<string, number>();
  readonly failedCommands: FailedCommand[] = [];
  private readonly pending = new Map<string, SentCommand>();
  private readonly early = new Map<string, { update: CommandUpdateRecord; atMs: number }>();
  private waiters: (() => void)[] = [];

  constructor(private readonly now: () => number) {}

  /** Commands created and not yet finished. */
  get outstanding(): number {
    return this.pending.size;
  }

  outstandingIds(): string[] {
    return [...this.pending.keys()];
  }

  /** The API created the command. */
  accepted(commandId: string, sent: SentCommand): void {
    this.pending.set(commandId, sent);
    const early = this.early.get(commandId);
    if (early === undefined) return;
    this.early.delete(commandId);
    this.finishStored(commandId, early.update, early.atMs);
  }

  /** The API refused to create the command. */
  refused(sent: SentCommand, reason: string): void {
    this.count({ commandId: null, agentId: sent.agentId, type: sent.type, status: 'refused', reason }, false);
  }

  /** One of our agents' updates was stored; only terminal ones end a command. */
  stored(update: CommandUpdateRecord): void {
    if (!isTerminal(update.phase)) return;
    const atMs = this.now();
    if (this.pending.has(update.commandId)) this.finishStored(update.commandId, update, atMs);
    else this.early.set(update.commandId, { update, atMs });
  }

  /** Ends a command the agent never finished, with the status the server shows (no response time). */
  settle(commandId: string, status: string, reason: string): void {
    const sent = this.pending.get(commandId);
    if (sent === undefined) return;
    this.pending.delete(commandId);
    this.count({ commandId, agentId: sent.agentId, type: sent.type, status, reason }, status === 'succeeded');
  }

  /** Resolves once no created command is outstanding. */
  whenSettled(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private finishStored(commandId: string, update: CommandUpdateRecord, atMs: number): void {
    const sent = this.pending.get(commandId);
    if (sent === undefined || !isTerminal(update.phase)) return;
    this.pending.delete(commandId);
    this.responseTimes.record(atMs - sent.sentAtMs);
    const status = AGENT_OUTCOME[update.phase];
    const reason = update.error || update.message || status;
    this.count(
      { commandId, agentId: sent.agentId, type: sent.type, status, reason },
      update.phase === Phase.Succeeded,
    );
  }

  /** Counts one ended command (a failure is listed with its reason too). */
  private count(command: FailedCommand, succeeded: boolean): void {
    this.outcomes.set(command.status, (this.outcomes.get(command.status) ?? 0) + 1);
    if (succeeded) this.successful += 1;
    else this.noteFailure(command);
    if (this.pending.size === 0) for (const resolve of this.waiters.splice(0)) resolve();
  }

  private noteFailure(failure: FailedCommand): void {
    this.failed += 1;
    if (this.failedCommands.length < MAX_LISTED_FAILURES) this.failedCommands.push(failure);
    const key = failure.reason === failure.status ? failure.status : `${failure.status}: ${failure.reason}`;
    const known = this.reasons.get(key);
    if (known !== undefined) this.reasons.set(key, known + 1);
    else if (this.reasons.size < MAX_DISTINCT_REASONS) this.reasons.set(key, 1);
  }
}
