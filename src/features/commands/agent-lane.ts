// One connected agent's share of dispatch: the commands waiting to be sent
// (a bounded priority queue: emergency first, then priority, deadline,
// arrival) and the commands out on the agent (its window). A non-emergency
// command is sent only while fewer than `capacity` are out; emergency commands
// are sent at once, ahead of everything and past the window. Pure data, no
// I/O: the dispatcher owns one lane per agent connected to this instance.
import { CommandQueue, commandEntry, type CommandEntry } from '../scheduling/command-queue.js';
import type { CommandStatus } from './command-state.js';
import type { Command } from './command.js';

/** A command the agent has (or is being sent): what the lane needs to account for it. */
export interface OutOnAgent {
  readonly command: Command;
  /** The last status this instance knows it stored. */
  status: CommandStatus;
  /** When it was (last) sent; execution time is measured from here. */
  readonly sentAt: number;
}

export class AgentLane {
  private readonly waiting: CommandQueue<CommandEntry<Command>>;
  private readonly out = new Map<string, OutOnAgent>();
  /** Non-emergency commands out: the part of the window in use. */
  private windowUsed = 0;
  /** Commands out on the agent but never acknowledged, to be sent again (after a reconnect). */
  private resend: Command[] = [];
  /** The store holds backlog for this agent that did not fit in the lane. */
  spilled = false;
  /** A read of the store's backlog for this lane is under way. */
  refilling = false;

  constructor(
    readonly agentId: string,
    /** How many non-emergency commands may be out at once. */
    public capacity: number,
    /** How many waiting commands the lane holds in memory; the rest stay in the store. */
    size: number,
    /** When the agent's stream opened here: nothing waited for this lane before. */
    readonly connectedAt: number,
  ) {
    this.waiting = new CommandQueue<CommandEntry<Command>>({ capacity: size });
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  get outCount(): number {
    return this.out.size;
  }

  /**
   * Since when the longest-waiting command here has waited to be sent: its
   * creation, or the agent's connection if it came later (before that the
   * agent was away, which is no backlog of this instance). Undefined when
   * nothing waits. O(waiting): read at scrape time only.
   */
  oldestWaitingSince(): number | undefined {
    const created = this.waiting.earliest((entry) => entry.command.createdAt);
    return created === undefined ? undefined : Math.max(created, this.connectedAt);
  }

  /** Whether the lane already holds this command, waiting or out. */
  holds(id: string): boolean {
    return this.out.has(id) || this.waiting.has(id);
  }

  /** Queues a command to send; when the lane is full it stays in the store and the lane is marked spilled. */
  offer(command: Command): void {
    if (this.out.has(command.id)) return;
    const result = this.waiting.offer(commandEntry(command));
    if (!result.accepted && result.reason === 'full') this.spilled = true;
  }

  /** Forgets a waiting command (cancelled before it was sent). */
  drop(id: string): void {
    this.waiting.remove(id);
  }

  /**
   * Takes the commands to send now and counts them out: emergency ones always,
   * the others while the window has room and dispatch is not held.
   * Entries out past their deadline (or, never acknowledged, past their
   * expiry) are given up first: the sweep ends them in the store.
   */
  take(nowMs: number, holdNonEmergency: boolean): Command[] {
    this.forgetOverdue(nowMs);
    const sent = this.resend.filter((command) => this.out.has(command.id));
    this.resend = [];
    for (let next = this.waiting.peek(); next !== undefined; next = this.waiting.peek()) {
      const emergency = next.priority === 'emergency';
      if (!emergency && (holdNonEmergency || this.windowUsed >= this.capacity)) break;
      this.waiting.pop();
      if (next.command.expiresAt <= nowMs) continue;
      this.putOut(next.command, nowMs);
      sent.push(next.command);
    }
    return sent;
  }

  /**
   * Counts out a command the store says is on the agent (loaded when it
   * connects). One that was dispatched but never acknowledged is sent again by
   * the next take(), whatever the window: it already holds its slot.
   */
  markOut(command: Command, nowMs: number): void {
    this.waiting.remove(command.id);
    this.finish(command.id);
    this.putOut(command, nowMs);
    if (command.status === 'dispatched') this.resend.push(command);
  }

  outEntry(id: string): OutOnAgent | undefined {
    return this.out.get(id);
  }

  /** A command left the agent (finished, or its delivery was not stored); returns what was known of it. */
  finish(id: string): OutOnAgent | undefined {
    const entry = this.out.get(id);
    if (entry === undefined) return undefined;
    this.out.delete(id);
    if (entry.command.priority !== 'emergency') this.windowUsed -= 1;
    return entry;
  }

  /** Emergency commands do not take a window slot. */
  private putOut(command: Command, nowMs: number): void {
    this.out.set(command.id, { command, status: command.status as CommandStatus, sentAt: nowMs });
    if (command.priority !== 'emergency') this.windowUsed += 1;
  }

  /** Only when the window is full: the scan is over at most `capacity` entries plus emergencies. */
  private forgetOverdue(nowMs: number): void {
    if (this.windowUsed < this.capacity) return;
    for (const [id, entry] of this.out) {
      const { deadlineAt, expiresAt } = entry.command;
      if (deadlineAt <= nowMs || (entry.status === 'dispatched' && expiresAt <= nowMs)) this.finish(id);
    }
  }
}
