// Runs accepted commands: finds the handler for the type, validates
// params_json with its schema, runs at most maxConcurrent at once (emergency
// first, then high, normal, low; first come first served within a priority),
// throttles progress into RUNNING updates, and ends every command with exactly
// one terminal update: SUCCEEDED, FAILED (error, or "deadline exceeded" when
// still running at deadline_ms), CANCELLED (after cancel()) or REJECTED
// (unknown type, bad params, expired, isolated). Commands dropped because the
// agent stops get no update: the server times them out.
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { RandomSource } from '../backoff.js';
import type { AgentStateView } from '../desired-state/desired-state-types.js';
import { sleep } from '../sleep.js';
import type {
  CommandHandler,
  CommandHooks,
  CommandOutcome,
  CommandUpdateRecord,
  FailureModes,
  Phase,
  TerminalPhase,
} from './command-types.js';
import { Phase as Phases } from './command-types.js';

export interface CommandFinished {
  readonly commandId: string;
  readonly type: string;
  readonly phase: TerminalPhase;
  readonly durationMs: number;
}

export interface CommandRunnerOptions {
  readonly handlers: readonly CommandHandler[];
  /** Commands running at once; default 4. */
  readonly maxConcurrent?: number;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly failureModes?: FailureModes;
  /** Every update, in order. */
  readonly onUpdate: (update: CommandUpdateRecord) => void;
  readonly onFinished?: (finished: CommandFinished) => void;
  /** Runs a finished command's follow-up (reconnect, exit) after its update was queued. */
  readonly onFollowUp?: (followUp: (hooks: CommandHooks) => void) => void;
  /** What the agent runs now, for handlers that report it (`status`). */
  readonly agentState?: () => AgentStateView;
}

export const DEFAULT_MAX_CONCURRENT_COMMANDS = 4;
/** Results above this are replaced by an error (the protocol's limit). */
export const MAX_RESULT_BYTES = 256 * 1024;
const PRIORITY_RANK: Readonly<Record<string, number>> = { emergency: 0, high: 1, normal: 2, low: 3 };
const PROGRESS_STEP_PERCENT = 10;
const PROGRESS_EVERY_MS = 1_000;

type AbortKind = 'cancel' | 'deadline' | 'stop';

/** Why a command's signal was aborted. */
class CommandAbort extends Error {
  constructor(
    readonly kind: AbortKind,
    message: string,
  ) {
    super(message);
  }
}

interface Job {
  readonly command: AgentCommand__Output;
  readonly handler: CommandHandler;
  readonly params: unknown;
  readonly rank: number;
  readonly order: number;
  startedAtMs?: number;
  abort?: AbortController;
  deadlineTimer?: NodeJS.Timeout;
  lastProgress?: { percent: number; atMs: number };
  done?: boolean;
}

export class CommandRunner {
  private readonly handlers = new Map<string, CommandHandler>();
  private readonly queue: Job[] = [];
  private readonly running = new Map<string, Job>();
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly maxConcurrent: number;
  private order = 0;
  private isolatedBecause: string | undefined;
  private closed = false;

  constructor(private readonly options: CommandRunnerOptions) {
    for (const handler of options.handlers) this.handlers.set(handler.type, handler);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_COMMANDS;
  }

  /** Why the agent is isolated, if it is. */
  get isolated(): string | undefined {
    return this.isolatedBecause;
  }

  get activeCount(): number {
    return this.running.size + this.queue.length;
  }

  /** Validates and queues a new (de-duplicated, unexpired) command. */
  submit(command: AgentCommand__Output): void {
    if (this.closed) return;
    const problem = this.admit(command);
    if (typeof problem === 'string') {
      this.finishUnstarted(command, Phases.Rejected, problem);
      return;
    }
    this.queue.push({
      command,
      handler: problem.handler,
      params: problem.params,
      rank: PRIORITY_RANK[command.priority] ?? PRIORITY_RANK.normal ?? 2,
      order: this.order++,
    });
    this.queue.sort((a, b) => a.rank - b.rank || a.order - b.order);
    this.pump();
  }

  /** Refuses a command without running it (expired, not recordable). */
  reject(command: AgentCommand__Output, error: string): void {
    this.finishUnstarted(command, Phases.Rejected, error);
  }

  /** Cancels a queued or running command; unknown or finished ids are ignored. */
  cancel(commandId: string, reason: string): void {
    const queued = this.queue.findIndex((job) => job.command.commandId === commandId);
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1);
      if (job) this.finishUnstarted(job.command, Phases.Cancelled, '', reason || 'cancelled');
      return;
    }
    this.running.get(commandId)?.abort?.abort(new CommandAbort('cancel', reason || 'cancelled'));
  }

  /** Drops everything without updates (the agent is stopping or crashed). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    for (const job of this.running.values()) {
      job.done = true;
      clearTimeout(job.deadlineTimer);
      job.abort?.abort(new CommandAbort('stop', 'agent stopping'));
    }
    this.running.clear();
  }

  private admit(command: AgentCommand__Output): string | { handler: CommandHandler; params: unknown } {
    const handler = this.handlers.get(command.type);
    if (!handler) {
      return command.type.startsWith('custom:')
        ? `no handler for custom command type ${JSON.stringify(command.type)} on this agent`
        : `unknown command type ${JSON.stringify(command.type)}`;
    }
    if (this.isolatedBecause !== undefined && command.priority !== 'emergency') {
      return `agent is isolated (${this.isolatedBecause}): only emergency commands are accepted`;
    }
    let json: unknown;
    try {
      json = command.paramsJson.trim() === '' ? {} : JSON.parse(command.paramsJson);
    } catch {
      return 'invalid params: params_json is not valid JSON';
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return 'invalid params: params_json must be a JSON object';
    }
    const parsed = handler.params.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(params)'}: ${issue.message}`,
      );
      return `invalid params: ${issues.join('; ')}`;
    }
    return { handler, params: parsed.data };
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.maxConcurrent) {
      const job = this.queue.shift();
      if (!job) return;
      this.start(job);
    }
  }

  private start(job: Job): void {
    const { command } = job;
    const now = this.clock.now();
    if (command.expiresAtMs > 0 && now > command.expiresAtMs) {
      this.finishUnstarted(command, Phases.Rejected, 'expired before it could start');
      return;
    }
    job.startedAtMs = now;
    job.abort = new AbortController();
    this.running.set(command.commandId, job);
    if (command.deadlineMs > 0) {
      job.deadlineTimer = setTimeout(
        () => job.abort?.abort(new CommandAbort('deadline', 'deadline exceeded')),
        Math.max(0, command.deadlineMs - now),
      );
    }
    this.emit(job, Phases.Running, { progressPercent: 0, message: 'started' });
    job.lastProgress = { percent: 0, atMs: now };
    void this.execute(job, job.abort.signal);
  }

  private async execute(job: Job, signal: AbortSignal): Promise<void> {
    let outcome: CommandOutcome;
    try {
      outcome = await Promise.race([this.perform(job, signal), rejectOnAbort(signal)]);
      const latency = this.options.failureModes?.addedLatencyMs ?? 0;
      if (latency > 0) await sleep(latency, signal);
      signal.throwIfAborted();
    } catch (error) {
      if (job.done) return;
      const reason = signal.aborted ? signal.reason : undefined;
      if (reason instanceof CommandAbort && reason.kind === 'cancel') {
        this.finish(job, Phases.Cancelled, { message: reason.message });
      } else if (reason instanceof CommandAbort) {
        this.finish(job, Phases.Failed, { error: reason.message });
      } else {
        this.finish(job, Phases.Failed, { error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    if (job.done) return;
    const resultJson = JSON.stringify(outcome.result ?? null) ?? 'null';
    if (Buffer.byteLength(resultJson) > MAX_RESULT_BYTES) {
      this.finish(job, Phases.Failed, { error: `result larger than ${MAX_RESULT_BYTES} bytes` });
      return;
    }
    this.finish(job, Phases.Succeeded, { resultJson, message: outcome.message ?? '' });
    if (outcome.followUp) this.options.onFollowUp?.(outcome.followUp);
  }

  private async perform(job: Job, signal: AbortSignal): Promise<CommandOutcome> {
    const failRate = this.options.failureModes?.failRate ?? 0;
    if (failRate > 0 && this.random() < failRate) throw new Error('simulated failure (--fail-rate)');
    return job.handler.run(job.params as never, {
      command: job.command,
      signal,
      clock: this.clock,
      progress: (percent, message) => this.progress(job, percent, message),
      isolate: (reason) => {
        this.isolatedBecause ??= reason;
      },
      agentState: this.options.agentState,
    });
  }

  private progress(job: Job, percent: number, message = ''): void {
    if (job.done) return;
    const now = this.clock.now();
    const clamped = Math.max(0, Math.min(100, Math.floor(percent)));
    const last = job.lastProgress ?? { percent: 0, atMs: 0 };
    const due =
      clamped >= last.percent + PROGRESS_STEP_PERCENT ||
      (clamped !== last.percent && now - last.atMs >= PROGRESS_EVERY_MS);
    if (!due) return;
    job.lastProgress = { percent: clamped, atMs: now };
    this.emit(job, Phases.Running, { progressPercent: clamped, message });
  }

  private finish(
    job: Job,
    phase: TerminalPhase,
    fields: { message?: string; error?: string; resultJson?: string },
  ): void {
    job.done = true;
    clearTimeout(job.deadlineTimer);
    this.running.delete(job.command.commandId);
    // A command that stopped early reports how far it got.
    const progressPercent = phase === Phases.Succeeded ? 100 : (job.lastProgress?.percent ?? 0);
    this.emit(job, phase, { progressPercent, ...fields });
    this.options.onFinished?.({
      commandId: job.command.commandId,
      type: job.command.type,
      phase,
      durationMs: this.clock.now() - (job.startedAtMs ?? this.clock.now()),
    });
    this.pump();
  }

  private finishUnstarted(
    command: AgentCommand__Output,
    phase: TerminalPhase,
    error: string,
    message = '',
  ): void {
    this.options.onUpdate(update(command.commandId, phase, this.clock.now(), { error, message }));
    this.options.onFinished?.({ commandId: command.commandId, type: command.type, phase, durationMs: 0 });
  }

  private emit(
    job: Job,
    phase: Phase,
    fields: { progressPercent?: number; message?: string; error?: string; resultJson?: string },
  ): void {
    this.options.onUpdate(update(job.command.commandId, phase, this.clock.now(), fields));
  }
}

export function update(
  commandId: string,
  phase: Phase,
  atMs: number,
  fields: { progressPercent?: number; message?: string; error?: string; resultJson?: string } = {},
): CommandUpdateRecord {
  return {
    commandId,
    phase,
    progressPercent: fields.progressPercent ?? 0,
    message: fields.message ?? '',
    resultJson: fields.resultJson ?? '',
    error: fields.error ?? '',
    atMs,
  };
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
