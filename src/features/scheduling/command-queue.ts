// The bounded queue of commands waiting for agents: priority rank first
// (emergency jumps everything), then earliest deadline (none = last), then
// arrival, so equal keys come out first in, first out. A binary heap with an
// index by id gives O(log n) push, pop and remove (cancellation).
// Unlike the rest of this folder it is mutable: it is one owned data structure.

import { alreadyExists, resourceExhausted } from '../../shared/errors.js';
import { PRIORITY_RANK, type CommandPriority } from '../commands/command-priority.js';

/** COMMAND_QUEUE_SIZE in the seed's configuration. */
export const DEFAULT_COMMAND_QUEUE_SIZE = 1_000;
/** The retry hint given when the queue is full. */
export const DEFAULT_QUEUE_RETRY_AFTER_MS = 1_000;

export interface QueuedCommand {
  readonly id: string;
  readonly priority: CommandPriority;
  /** Epoch ms by which the command should run; undefined sorts after every deadline. */
  readonly deadlineMs?: number;
}

/** A command as a queue entry: ordered by its priority and deadline, carrying the command itself. */
export interface CommandEntry<C> extends QueuedCommand {
  readonly command: C;
}

export function commandEntry<
  C extends Pick<QueuedCommand, 'id' | 'priority'> & { readonly deadlineAt: number },
>(command: C): CommandEntry<C> {
  return { id: command.id, priority: command.priority, deadlineMs: command.deadlineAt, command };
}

export type OfferResult =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly reason: 'full'; readonly retryAfterMs: number }
  | { readonly accepted: false; readonly reason: 'duplicate' };

export interface CommandQueueOptions {
  readonly capacity?: number;
  readonly retryAfterMs?: number;
}

interface Entry<T> {
  readonly command: T;
  readonly rank: number;
  readonly deadline: number;
  readonly arrival: number;
}

const before = <T>(a: Entry<T>, b: Entry<T>): boolean =>
  a.rank !== b.rank
    ? a.rank < b.rank
    : a.deadline !== b.deadline
      ? a.deadline < b.deadline
      : a.arrival < b.arrival;

export class CommandQueue<T extends QueuedCommand> {
  readonly capacity: number;
  readonly retryAfterMs: number;
  private readonly heap: Entry<T>[] = [];
  private readonly positions = new Map<string, number>();
  private arrivals = 0;

  constructor(options: CommandQueueOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_COMMAND_QUEUE_SIZE;
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`queue capacity must be a whole number >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.retryAfterMs = options.retryAfterMs ?? DEFAULT_QUEUE_RETRY_AFTER_MS;
  }

  get size(): number {
    return this.heap.length;
  }

  isFull(): boolean {
    return this.heap.length >= this.capacity;
  }

  has(id: string): boolean {
    return this.positions.has(id);
  }

  /** Adds the command unless the queue is full or already holds its id. */
  offer(command: T): OfferResult {
    if (this.positions.has(command.id)) return { accepted: false, reason: 'duplicate' };
    if (this.isFull()) return { accepted: false, reason: 'full', retryAfterMs: this.retryAfterMs };
    const deadline = command.deadlineMs;
    this.heap.push({
      command,
      rank: PRIORITY_RANK[command.priority],
      deadline: deadline === undefined || Number.isNaN(deadline) ? Infinity : deadline,
      arrival: this.arrivals++,
    });
    this.positions.set(command.id, this.heap.length - 1);
    this.siftUp(this.heap.length - 1);
    return { accepted: true };
  }

  /** Like offer, but refusal is a CorralError: resource_exhausted (with a retry hint) or already_exists. */
  push(command: T): void {
    const result = this.offer(command);
    if (result.accepted) return;
    if (result.reason === 'duplicate')
      throw alreadyExists(`command ${JSON.stringify(command.id)} is already queued`);
    throw resourceExhausted(`the command queue is full (${this.capacity} commands)`, result.retryAfterMs);
  }

  peek(): T | undefined {
    return this.heap[0]?.command;
  }

  /**
   * The smallest `of(command)` over everything queued (undefined when empty): a
   * plain scan, O(n), for a gauge read at scrape time, never on the hot path.
   */
  earliest(of: (command: T) => number): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.heap) {
      const value = of(entry.command);
      if (earliest === undefined || value < earliest) earliest = value;
    }
    return earliest;
  }

  pop(): T | undefined {
    return this.heap.length === 0 ? undefined : this.removeAt(0);
  }

  /** Takes a queued command out (cancellation); undefined when it is not queued. */
  remove(id: string): T | undefined {
    const index = this.positions.get(id);
    return index === undefined ? undefined : this.removeAt(index);
  }

  private removeAt(index: number): T {
    const removed = this.entry(index);
    const last = this.heap.pop();
    this.positions.delete(removed.command.id);
    if (last !== undefined && index < this.heap.length) {
      this.heap[index] = last;
      this.positions.set(last.command.id, index);
      // The moved entry may belong above or below its new place.
      this.siftDown(this.siftUp(index));
    }
    return removed.command;
  }

  private siftUp(start: number): number {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(this.entry(index), this.entry(parent))) break;
      this.swap(index, parent);
      index = parent;
    }
    return index;
  }

  private siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && before(this.entry(left), this.entry(smallest))) smallest = left;
      if (right < this.heap.length && before(this.entry(right), this.entry(smallest))) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(i: number, j: number): void {
    const a = this.entry(i);
    const b = this.entry(j);
    this.heap[i] = b;
    this.heap[j] = a;
    this.positions.set(b.command.id, i);
    this.positions.set(a.command.id, j);
  }

  private entry(index: number): Entry<T> {
    const entry = this.heap[index];
    if (entry === undefined) throw new RangeError(`heap index ${index} out of range`);
    return entry;
  }
}
