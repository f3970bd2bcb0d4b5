// Where delivered commands arrive. Every delivery gets a receipt (duplicates
// too: a redelivery means the server missed the first receipt), collected and
// sent in batches by the caller. A command runs only if its id is new to the
// SeenCommands store and it has not expired; a redelivered one never runs
// again. Expired commands are REJECTED here; the runner rejects unknown types
// and bad params. With a stall rate (simulated failure) some deliveries are
// dropped without a trace, as an agent that hangs would.
import type { AgentCommand__Output } from '../../gen/proto/corral/agent/v1/AgentCommand.js';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { RandomSource } from '../backoff.js';
import type { SeenCommands } from './seen-commands.js';

export interface CommandDelivery {
  readonly commandId: string;
  readonly type: string;
  readonly attempt: number;
  /** Seen before: receipted again, not run. */
  readonly duplicate: boolean;
}

export interface CommandInboxOptions {
  readonly seen: SeenCommands;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** 0-1: deliveries dropped without receipt or update (simulated failure). */
  readonly stallRate?: number;
  /** A new, unexpired command to run. */
  readonly accept: (command: AgentCommand__Output) => void;
  /** Refuses a command without running it (a REJECTED update). */
  readonly reject: (command: AgentCommand__Output, error: string) => void;
  /** Receipts are waiting: flush soon. */
  readonly onPending: () => void;
  readonly onDelivered?: (delivery: CommandDelivery) => void;
  readonly onStalled?: (command: AgentCommand__Output) => void;
}

/** Receipts kept while they cannot be sent; the server redelivers what has none. */
const MAX_PENDING_RECEIPTS = 10_000;

export class CommandInbox {
  private receipts = new Set<string>();
  private readonly clock: Clock;
  private readonly random: RandomSource;

  constructor(private readonly options: CommandInboxOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Handles one CommandBatch; resolves once every command is receipted and dispatched. */
  async receive(commands: readonly AgentCommand__Output[]): Promise<void> {
    await Promise.all(commands.map((command) => this.receiveOne(command)));
  }

  /** The receipts to send now (each id once), forgetting them. */
  takeReceipts(): string[] {
    const ids = [...this.receipts];
    this.receipts = new Set();
    return ids;
  }

  /** Puts receipts back that could not be sent. */
  restoreReceipts(ids: readonly string[]): void {
    for (const id of ids) this.addReceipt(id);
  }

  get pendingReceipts(): number {
    return this.receipts.size;
  }

  clear(): void {
    this.receipts.clear();
  }

  private async receiveOne(command: AgentCommand__Output): Promise<void> {
    const stallRate = this.options.stallRate ?? 0;
    if (stallRate > 0 && this.random() < stallRate) {
      this.options.onStalled?.(command);
      return;
    }
    let fresh: boolean;
    try {
      fresh = await this.options.seen.remember(command.commandId, command.expiresAtMs);
    } catch (error) {
      // Running without a durable record could run it twice; refuse instead.
      this.receipt(command, false);
      this.options.reject(
        command,
        `cannot record the command id: ${error instanceof Error ? error.message : error}`,
      );
      return;
    }
    this.receipt(command, !fresh);
    if (!fresh) return;
    if (command.expiresAtMs > 0 && this.clock.now() > command.expiresAtMs) {
      this.options.reject(command, 'expired before delivery');
      return;
    }
    this.options.accept(command);
  }

  private receipt(command: AgentCommand__Output, duplicate: boolean): void {
    this.addReceipt(command.commandId);
    this.options.onDelivered?.({
      commandId: command.commandId,
      type: command.type,
      attempt: command.attempt,
      duplicate,
    });
    this.options.onPending();
  }

  private addReceipt(id: string): void {
    if (this.receipts.size < MAX_PENDING_RECEIPTS) this.receipts.add(id);
  }
}
