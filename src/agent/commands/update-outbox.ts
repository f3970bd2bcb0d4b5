// Command updates waiting for the server to store them. Every update stays
// until a CommandUpdateReceipt names its (command id, phase); updates are sent
// once, again after a reconnect, and again when unacknowledged for
// resendAfterMs. Progress (RUNNING) coalesces per command: only the latest
// matters, and a terminal update makes it moot. Memory is bounded by
// maxEntries, with one policy: terminal updates are never dropped, the oldest
// RUNNING progress goes first.
import type { CommandUpdateReceipt__Output } from '../../gen/proto/corral/agent/v1/CommandUpdateReceipt.js';
import type { CommandUpdateRecord } from './command-types.js';
import { Phase, isTerminal } from './command-types.js';

export interface UpdateOutboxOptions {
  /** Progress entries kept at most (terminal ones are never dropped); default 1,000. */
  readonly maxEntries?: number;
  /** Send an unacknowledged update again after this long on the same stream; default 30 s. */
  readonly resendAfterMs?: number;
}

interface Entry {
  update: CommandUpdateRecord;
  /** When it was last written to a stream; undefined: due now. */
  sentAtMs: number | undefined;
}

export const DEFAULT_OUTBOX_MAX_ENTRIES = 1_000;
export const DEFAULT_RESEND_AFTER_MS = 30_000;

const keyOf = (commandId: string, phase: string): string => `${commandId}\u0000${phase}`;

export class UpdateOutbox {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly resendAfterMs: number;
  private droppedProgress = 0;

  constructor(options: UpdateOutboxOptions = {}) {
    this.maxEntries = options.maxEntries ?? DEFAULT_OUTBOX_MAX_ENTRIES;
    this.resendAfterMs = options.resendAfterMs ?? DEFAULT_RESEND_AFTER_MS;
  }

  add(update: CommandUpdateRecord): void {
    const key = keyOf(update.commandId, update.phase);
    if (isTerminal(update.phase)) {
      this.entries.delete(keyOf(update.commandId, Phase.Running));
    } else if (this.entries.has(key)) {
      // Re-inserting moves it to the end: the map's order is oldest progress first.
      this.entries.delete(key);
    }
    this.entries.set(key, { update, sentAtMs: undefined });
    this.enforceCap();
  }

  /** The updates due at nowMs, marked as sent. */
  take(nowMs: number, limit = Number.POSITIVE_INFINITY): CommandUpdateRecord[] {
    const due: CommandUpdateRecord[] = [];
    for (const entry of this.entries.values()) {
      if (due.length >= limit) break;
      if (entry.sentAtMs !== undefined && nowMs - entry.sentAtMs < this.resendAfterMs) continue;
      entry.sentAtMs = nowMs;
      due.push(entry.update);
    }
    return due;
  }

  /**
   * Forgets what the server stored and returns those updates, each once: a
   * repeated receipt finds nothing left. A receipt only covers an update
   * already sent: newer progress written since stays until its own receipt.
   */
  acknowledge(receipts: readonly CommandUpdateReceipt__Output[]): CommandUpdateRecord[] {
    const stored: CommandUpdateRecord[] = [];
    for (const { commandId, phase } of receipts) {
      const key = keyOf(commandId, phase);
      const entry = this.entries.get(key);
      if (entry?.sentAtMs === undefined) continue;
      this.entries.delete(key);
      stored.push(entry.update);
    }
    return stored;
  }

  /** A new stream: everything unacknowledged is due again. */
  resendAll(): void {
    for (const entry of this.entries.values()) entry.sentAtMs = undefined;
  }

  /** When the next update falls due (undefined: nothing waiting). */
  nextDueAtMs(): number | undefined {
    let next: number | undefined;
    for (const { sentAtMs } of this.entries.values()) {
      const due = sentAtMs === undefined ? 0 : sentAtMs + this.resendAfterMs;
      if (next === undefined || due < next) next = due;
    }
    return next;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Progress updates dropped to stay within maxEntries. */
  get dropped(): number {
    return this.droppedProgress;
  }

  clear(): void {
    this.entries.clear();
  }

  private enforceCap(): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries) break;
      if (isTerminal(entry.update.phase)) continue;
      this.entries.delete(key);
      this.droppedProgress += 1;
    }
  }
}
