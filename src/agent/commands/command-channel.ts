// The agent's half of the command protocol, independent of gRPC: feeds what
// the server sends (commands, cancels, update receipts) to the inbox, runner
// and outbox, and writes what the agent owes (receipts, updates) to the
// current stream in batches, one message of each kind per flush (every
// flushIntervalMs while something waits). Survives reconnects: attach() each
// new stream, and every update not yet receipted is sent again.
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { AgentMessage } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { CommandCancel__Output } from '../../gen/proto/corral/agent/v1/CommandCancel.js';
import type { CommandUpdateReceipts__Output } from '../../gen/proto/corral/agent/v1/CommandUpdateReceipts.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { silentLogger } from '../../shared/logger.js';
import type { RandomSource } from '../backoff.js';
import type { AgentStateView } from '../desired-state/desired-state-types.js';
import type { CommandDelivery } from './command-inbox.js';
import { CommandInbox } from './command-inbox.js';
import type { CommandFinished } from './command-runner.js';
import { CommandRunner } from './command-runner.js';
import type { CommandHandler, CommandHooks, CommandUpdateRecord, FailureModes } from './command-types.js';
import type { SeenCommands } from './seen-commands.js';
import type { UpdateOutboxOptions } from './update-outbox.js';
import { UpdateOutbox } from './update-outbox.js';

/** Where the channel writes; the open Connect stream. */
export interface CommandSink {
  /** False while the stream is closing or applying backpressure: try again later. */
  writable(): boolean;
  write(message: AgentMessage): void;
}

export interface CommandChannelHooks extends CommandHooks {
  /** The simulated crash (FailureModes.crashAfter) is due. */
  crash(): void;
}

export interface CommandChannelOptions {
  readonly seen: SeenCommands;
  readonly handlers: readonly CommandHandler[];
  readonly hooks: CommandChannelHooks;
  readonly maxConcurrent?: number;
  readonly failureModes?: FailureModes;
  readonly flushIntervalMs?: number;
  readonly outbox?: UpdateOutboxOptions;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  readonly onDelivered?: (delivery: CommandDelivery) => void;
  readonly onFinished?: (finished: CommandFinished) => void;
  readonly onStalled?: (command: AgentCommand__Output) => void;
  /**
   * The server stored one of our updates (its CommandUpdateReceipt arrived):
   * once per (command id, phase). For a terminal phase, the moment the
   * command's outcome became durable as far as the agent can tell.
   */
  readonly onUpdateStored?: (update: CommandUpdateRecord) => void;
  /** What the agent runs now (configuration, policies), for the `status` command. */
  readonly agentState?: () => AgentStateView;
}

/** Short enough to keep command latency low, long enough to batch receipts and updates under load. */
export const DEFAULT_FLUSH_INTERVAL_MS = 5;
/** Keeps one CommandUpdates message well under the 1 MiB message cap in the usual case. */
const MAX_UPDATES_PER_MESSAGE = 256;

export class CommandChannel {
  readonly outbox: UpdateOutbox;
  private inbox: CommandInbox;
  private runner: CommandRunner;
  private sink: CommandSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = 0;
  private lastFlushAt = Number.NEGATIVE_INFINITY;
  private finishedCount = 0;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;

  constructor(private readonly options: CommandChannelOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.outbox = new UpdateOutbox(options.outbox);
    this.runner = this.newRunner();
    this.inbox = this.newInbox();
  }

  /** A new stream is up: send what waits, including every unreceipted update. */
  attach(sink: CommandSink): void {
    this.sink = sink;
    this.outbox.resendAll();
    this.schedule(0);
  }

  /** The stream is gone; commands keep running and their updates wait for the next one. */
  detach(): void {
    this.sink = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  onCommands(commands: readonly AgentCommand__Output[]): Promise<void> {
    return this.inbox.receive(commands);
  }

  onCancel(cancel: CommandCancel__Output): void {
    this.runner.cancel(cancel.commandId, cancel.reason);
  }

  onUpdateReceipts(receipts: CommandUpdateReceipts__Output): void {
    const stored = this.outbox.acknowledge(receipts.receipts);
    const { onUpdateStored } = this.options;
    if (onUpdateStored) for (const update of stored) onUpdateStored(update);
  }

  /** Why the agent is isolated, if it is. */
  get isolated(): string | undefined {
    return this.runner.isolated;
  }

  /** Commands queued or running. */
  get activeCommands(): number {
    return this.runner.activeCount;
  }

  /** Writes pending receipts and due updates now, if a stream is attached and writable. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const sink = this.sink;
    if (!sink) return;
    if (!sink.writable()) {
      this.schedule(this.flushIntervalMs);
      return;
    }
    this.lastFlushAt = this.clock.now();
    const updates = this.outbox.take(this.clock.now(), MAX_UPDATES_PER_MESSAGE);
    // An update tells the server the agent has the command: no receipt needed beside it.
    const updated = new Set(updates.map((update) => update.commandId));
    const commandIds = this.inbox.takeReceipts().filter((id) => !updated.has(id));
    if (commandIds.length > 0) sink.write({ commandReceipts: { commandIds } });
    if (updates.length > 0) sink.write({ commandUpdates: { updates } });
    this.scheduleNext();
  }

  /**
   * Forgets everything but the seen ids, as a crashed process would: running
   * commands stop without updates, unsent receipts and updates are lost.
   */
  reset(): void {
    this.runner.close();
    this.inbox.clear();
    this.outbox.clear();
    this.finishedCount = 0;
    this.runner = this.newRunner();
    this.inbox = this.newInbox();
  }

  /** Stops every command (without updates) and the flush timer. */
  close(): void {
    this.runner.close();
    this.detach();
  }

  private newRunner(): CommandRunner {
    const { options } = this;
    return new CommandRunner({
      handlers: options.handlers,
      maxConcurrent: options.maxConcurrent,
      clock: this.clock,
      random: options.random,
      failureModes: options.failureModes,
      agentState: options.agentState,
      onUpdate: (update) => {
        this.outbox.add(update);
        this.flushSoon();
      },
      onFinished: (finished) => this.finished(finished),
      onFollowUp: (followUp) => {
        // The outcome goes out before the agent reconnects or exits.
        this.flush();
        followUp(options.hooks);
      },
    });
  }

  private newInbox(): CommandInbox {
    const { options } = this;
    const runner = (): CommandRunner => this.runner;
    return new CommandInbox({
      seen: options.seen,
      clock: this.clock,
      random: options.random,
      stallRate: options.failureModes?.stallRate,
      accept: (command) => runner().submit(command),
      reject: (command, error) => runner().reject(command, error),
      onPending: () => this.flushSoon(),
      onDelivered: options.onDelivered,
      onStalled: options.onStalled,
    });
  }

  private finished(finished: CommandFinished): void {
    this.options.onFinished?.(finished);
    this.finishedCount += 1;
    const crashAfter = this.options.failureModes?.crashAfter ?? 0;
    if (crashAfter > 0 && this.finishedCount === crashAfter) {
      this.logger.warn({ commands: crashAfter }, 'simulated crash (--crash-after)');
      // After the current call stack: the runner is mid-update.
      setImmediate(() => this.options.hooks.crash());
    }
  }

  private scheduleNext(): void {
    if (this.inbox.pendingReceipts > 0) {
      this.schedule(this.flushIntervalMs);
      return;
    }
    const due = this.outbox.nextDueAtMs();
    if (due !== undefined) this.schedule(Math.max(this.flushIntervalMs, due - this.clock.now()));
  }

  /**
   * New receipts or updates: sent at once when the last flush was at least a flush interval ago (a
   * quiet agent answers without delay), otherwise when the interval is up (a busy one batches).
   */
  private flushSoon(): void {
    this.schedule(Math.max(0, this.lastFlushAt + this.flushIntervalMs - this.clock.now()));
  }

  /** Flushes after delayMs, unless a flush is already due sooner. */
  private schedule(delayMs: number): void {
    if (!this.sink) return;
    const dueAt = this.clock.now() + delayMs;
    if (this.timer && this.timerDueAt <= dueAt) return;
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => this.flush(), delayMs);
    this.timer.unref();
  }
}
