// Delivery of commands to the agents connected to this instance, and intake of
// what they report, with group commit: everything that arrives while one flush
// runs is written by the next, in one transaction of batched statements, never
// one database round trip per message.
//
// Each connected agent has a lane (agent-lane.ts): its waiting commands in
// priority order and a window of commands out on it, at most its capacity
// (what the agent states, capped by MAX_COMMANDS_PER_AGENT); emergency
// commands skip the window and every queue. Commands beyond what a lane holds
// in memory stay in the store and are read back as the lane drains.
//
// At least once: a command is stored as dispatched before it is sent, and
// every dispatched-but-unacknowledged command is sent again when its agent
// reconnects (the agent de-duplicates by id). Agent updates are confirmed only
// after they are stored, so the agent re-sends them until then. Every stored
// change is also an outbox event (command_status_changed).
import type { Database, Stores } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { EventFactory } from '../events/event-factory.js';
import { NO_STATS, type AgentStats } from '../scheduling/agent-candidate.js';
import { recordOutcome } from '../scheduling/adaptive.js';
import { AgentLane, type OutOnAgent } from './agent-lane.js';
import { reportWrites, type AgentReport } from './agent-reports.js';
import { agentActor, byCommand, statusChangedEvents, SYSTEM_ACTOR } from './command-events.js';
import type { AgentPhase, CommandLink } from './command-link.js';
import { isTerminal, type CommandStatus } from './command-state.js';
import type { AppliedTransition, CommandTransitionWrite } from './command-store.js';
import type { Command } from './command.js';

export type { AgentReport } from './agent-reports.js';

export interface DispatcherSettings {
  /** MAX_COMMANDS_PER_AGENT: the window of an agent that states no capacity, and the cap on one that does. */
  readonly maxCommandsPerAgent: number;
  /** Waiting commands a lane holds in memory; the rest wait in the store. */
  readonly laneSize: number;
  /** Outstanding commands read for an agent when it connects. */
  readonly outstandingLimit: number;
}

/** How long lanes wait to try again after a flush the store refused. */
const RETRY_AFTER_FAILED_FLUSH_MS = 250;

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  maxCommandsPerAgent: 32,
  laneSize: 500,
  outstandingLimit: 10_000,
};

/** What the dispatcher tells the outside (metrics, the scheduler). */
export interface DispatchObserver {
  /** A command out on an agent connected here reached a terminal status, `seconds` after it was sent. */
  finished?(type: string, status: CommandStatus, seconds: number): void;
  /** Window slots were freed: capability placement may find room. */
  capacityFreed?(): void;
}

/** How busy one connected agent is, for placement. */
export interface LaneLoad {
  /** Commands out on the agent or waiting for it here. */
  readonly assigned: number;
  readonly capacity: number;
  readonly stats: AgentStats;
}

export class CommandDispatcher {
  private readonly lanes = new Map<string, AgentLane>();
  private readonly stats = new Map<string, AgentStats>();
  private dirty = new Set<AgentLane>();
  private reports: AgentReport[] = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  /** While true, only emergency commands go out; the rest stay queued. */
  private holding = false;
  delivered = 0;
  reportsStored = 0;
  /** Lanes that found work in the store no signal had announced (recheckIdleLanes). */
  missedWorkFound = 0;

  constructor(
    private readonly db: Database,
    private readonly link: () => CommandLink,
    private readonly events: EventFactory,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
    private readonly settings: DispatcherSettings = DEFAULT_DISPATCHER_SETTINGS,
    private readonly observer: DispatchObserver = {},
  ) {}

  /** Maintenance mode: hold non-emergency dispatch, or release what was held. */
  holdNonEmergency(hold: boolean): void {
    const releasing = this.holding && !hold;
    this.holding = hold;
    if (releasing) this.markAllDirty();
  }

  /** An agent's stream opened here: everything still owed to it goes out. */
  agentConnected(agentId: string): void {
    const lane = new AgentLane(
      agentId,
      this.settings.maxCommandsPerAgent,
      this.settings.laneSize,
      this.clock.now(),
    );
    this.lanes.set(agentId, lane);
    void this.loadLane(lane).catch(this.onError);
  }

  agentDisconnected(agentId: string): void {
    const lane = this.lanes.get(agentId);
    if (!lane) return;
    this.lanes.delete(agentId);
    this.dirty.delete(lane);
  }

  /** The agent said how many commands it takes at once (0: it did not say). */
  capacityStated(agentId: string, capacity: number): void {
    const lane = this.lanes.get(agentId);
    if (!lane) return;
    const max = this.settings.maxCommandsPerAgent;
    const next = capacity > 0 ? Math.min(capacity, max) : max;
    if (next === lane.capacity) return;
    const grew = next > lane.capacity;
    lane.capacity = next;
    if (grew) this.markDirty(lane);
  }

  /** New or newly placed per-agent commands: those whose agent is connected here go out. */
  commandsCreated(commands: readonly Command[]): void {
    for (const command of commands) {
      const lane = command.agentId === null ? undefined : this.lanes.get(command.agentId);
      if (!lane) continue;
      lane.offer(command);
      this.markDirty(lane);
    }
  }

  /** Commands whose cancel must reach their agent. */
  cancelRequested(commands: readonly Command[], reason: string): void {
    for (const command of commands)
      if (command.agentId !== null) this.link().cancel(command.agentId, command.id, reason);
  }

  /**
   * Another instance stored commands for these agents: each one connected here
   * reads its backlog from the store again (the same read as a lane that
   * spilled), once per agent however many signals arrive meanwhile.
   */
  workArrived(agentIds: readonly string[]): void {
    for (const agentId of agentIds) {
      const lane = this.lanes.get(agentId);
      if (!lane) continue;
      // A read under way may have started before those commands were stored: it reads again after.
      lane.spilled = true;
      if (!lane.refilling) this.refill(lane, true);
    }
  }

  /**
   * The safety net under signals (ADR 0017): a signal lost to an outage (the
   * broker, Redis and its presence entries, an instance killed before it sent
   * one) would leave work in the store until the agent reconnects. Each lane
   * with nothing waiting asks the store, in one batched lookup, whether its
   * agent has backlog older than `minAgeMs` (a signal would have brought it by
   * then); those that do read it in. Returns how many lanes did.
   */
  async recheckIdleLanes(minAgeMs: number): Promise<number> {
    const idle: string[] = [];
    for (const lane of this.lanes.values())
      if (lane.waitingCount === 0 && !lane.spilled && !lane.refilling) idle.push(lane.agentId);
    if (idle.length === 0) return 0;
    const now = this.clock.now();
    const missed = await this.db.commands.agentsWithBacklog(idle, now - minAgeMs, now);
    this.workArrived(missed);
    this.missedWorkFound += missed.length;
    return missed.length;
  }

  /** Cancels requested on another instance for commands out on agents connected here. */
  cancelArrived(commands: readonly { id: string; agentId: string }[], reason: string): void {
    for (const { id, agentId } of commands)
      if (this.lanes.has(agentId)) this.link().cancel(agentId, id, reason);
  }

  /** Whether this agent's stream is held here. */
  holdsAgent(agentId: string): boolean {
    return this.lanes.has(agentId);
  }

  /** Commands another part ended in the store (the sweep, a cancel): they leave their agents' windows. */
  commandsEnded(applied: readonly AppliedTransition[]): void {
    this.afterTransitions(byCommand(applied), this.clock.now());
  }

  report(report: AgentReport): void {
    this.reports.push(report);
    this.schedule();
  }

  /** How busy an agent connected here is; undefined when it is not connected here. */
  laneLoad(agentId: string): LaneLoad | undefined {
    const lane = this.lanes.get(agentId);
    if (!lane) return undefined;
    return {
      assigned: lane.outCount + lane.waitingCount,
      capacity: lane.capacity,
      stats: this.stats.get(agentId) ?? NO_STATS,
    };
  }

  /** Agents with a lane here, i.e. connected to this instance. */
  connectedAgents(): IterableIterator<string> {
    return this.lanes.keys();
  }

  /** Commands waiting in lanes and commands out on agents, over all lanes. */
  depth(): { waiting: number; out: number } {
    let waiting = 0;
    let out = 0;
    for (const lane of this.lanes.values()) {
      waiting += lane.waitingCount;
      out += lane.outCount;
    }
    return { waiting, out };
  }

  /**
   * Since when the longest-waiting command in any lane has waited to be sent
   * (AgentLane.oldestWaitingSince), undefined when none waits: the dispatch
   * backlog's age. O(commands waiting in memory), for a gauge at scrape time.
   */
  oldestWaitingSince(): number | undefined {
    let oldest: number | undefined;
    for (const lane of this.lanes.values()) {
      const since = lane.oldestWaitingSince();
      if (since !== undefined && (oldest === undefined || since < oldest)) oldest = since;
    }
    return oldest;
  }

  /** Writes and sends everything collected so far; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAndSend().finally(() => {
      this.flushing = undefined;
      if (this.dirty.size > 0 || this.reports.length > 0) this.schedule();
    });
    return this.flushing;
  }

  /** Reads what the store owes a newly connected agent into its lane. */
  private async loadLane(lane: AgentLane): Promise<void> {
    const now = this.clock.now();
    const [outstanding, backlog] = await Promise.all([
      this.db.commands.outstandingOnAgent(lane.agentId, now, this.settings.outstandingLimit),
      this.db.commands.backlogForAgent(lane.agentId, now, this.settings.laneSize),
    ]);
    if (this.lanes.get(lane.agentId) !== lane) return;
    for (const command of outstanding) lane.markOut(command, now);
    for (const command of backlog) lane.offer(command);
    if (backlog.length >= this.settings.laneSize) lane.spilled = true;
    this.markDirty(lane);
  }

  /** Tops a lane up from the store once it has sent most of what it held (or at once when `now`). */
  private refill(lane: AgentLane, now = false): void {
    if (!lane.spilled || lane.refilling) return;
    if (!now && lane.waitingCount > this.settings.laneSize / 4) return;
    lane.refilling = true;
    lane.spilled = false;
    this.db.commands
      .backlogForAgent(lane.agentId, this.clock.now(), this.settings.laneSize)
      .then((backlog) => {
        if (backlog.length >= this.settings.laneSize) lane.spilled = true;
        for (const command of backlog) if (!lane.holds(command.id)) lane.offer(command);
        this.markDirty(lane);
      })
      .catch((error: unknown) => {
        lane.spilled = true;
        this.onError(error);
      })
      .finally(() => {
        lane.refilling = false;
      });
  }

  private markDirty(lane: AgentLane): void {
    if (this.lanes.get(lane.agentId) !== lane) return;
    this.dirty.add(lane);
    this.schedule();
  }

  private markAllDirty(): void {
    for (const lane of this.lanes.values()) this.dirty.add(lane);
    this.schedule();
  }

  /** Group commit: the next flush starts as soon as the event loop is free, and takes all that waits. */
  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush().catch(this.onError);
    });
  }

  private takeDeliveries(now: number): Map<AgentLane, Command[]> {
    const lanes = this.dirty;
    this.dirty = new Set();
    const deliveries = new Map<AgentLane, Command[]>();
    for (const lane of lanes) {
      const commands = lane.take(now, this.holding);
      if (commands.length > 0) deliveries.set(lane, commands);
      this.refill(lane);
    }
    return deliveries;
  }

  private async writeAndSend(): Promise<void> {
    const now = this.clock.now();
    const reports = this.reports;
    this.reports = [];
    const deliveries = this.takeDeliveries(now);
    const reported = reportWrites(
      reports,
      (r) => this.lanes.get(r.agentId)?.outEntry(r.commandId)?.status,
      now,
    );
    const deliveryWrites: CommandTransitionWrite[] = [];
    for (const commands of deliveries.values())
      for (const command of commands)
        deliveryWrites.push({
          id: command.id,
          to: 'dispatched',
          via: ['scheduled'],
          at: now,
          delivered: true,
          ...(command.status === 'dispatched' && { detail: 'redelivered' }),
        });
    let appliedReports: AppliedTransition[] = [];
    let appliedDeliveries: AppliedTransition[] = [];
    try {
      await this.db.transaction(async (stores) => {
        appliedReports = await stores.commands.applyTransitions(reported.transitions);
        if (reported.progress.length > 0) await stores.commands.applyProgress(reported.progress);
        appliedDeliveries = await stores.commands.applyTransitions(deliveryWrites);
        await this.appendEvents(stores, appliedReports, appliedDeliveries, now);
      });
    } catch (error) {
      // Nothing was stored: the commands go back (a redelivery stays out, to be sent again), agents
      // re-send their reports, and the lanes try again after a pause rather than hammer a failing store.
      for (const [lane, commands] of deliveries)
        for (const command of commands) {
          lane.finish(command.id);
          if (command.status === 'dispatched') lane.markOut(command, now);
          else lane.offer(command);
        }
      this.onError(error);
      setTimeout(() => {
        for (const lane of deliveries.keys()) this.markDirty(lane);
      }, RETRY_AFTER_FAILED_FLUSH_MS);
      return;
    }
    this.reportsStored += reports.length;
    // Execution time runs to the moment the outcome is stored, not to the start of this flush.
    this.afterTransitions(byCommand(appliedReports), this.clock.now());
    this.send(deliveries, appliedDeliveries);
    this.confirmReports(reports);
  }

  private async appendEvents(
    stores: Stores,
    reports: readonly AppliedTransition[],
    deliveries: readonly AppliedTransition[],
    now: number,
  ): Promise<void> {
    const events = [
      ...statusChangedEvents(this.events, reports, (t) => agentActor(t.agentId ?? ''), now),
      ...statusChangedEvents(this.events, deliveries, SYSTEM_ACTOR, now),
    ];
    if (events.length > 0) await stores.events.append(events);
  }

  /** Keeps lanes in step with what was stored; finished commands free their slots. */
  private afterTransitions(applied: readonly AppliedTransition[], now: number): void {
    let freed = false;
    for (const transition of applied) {
      const lane = transition.agentId === null ? undefined : this.lanes.get(transition.agentId);
      const to = transition.path[transition.path.length - 1] as CommandStatus;
      const entry = lane?.outEntry(transition.id);
      if (entry) entry.status = to;
      if (!isTerminal(to)) continue;
      // Ended while waiting here (cancelled before it was sent): it must not take a window slot.
      lane?.drop(transition.id);
      const finished = lane?.finish(transition.id);
      if (lane && finished) {
        freed = true;
        this.markDirty(lane);
        this.recordOutcome(lane.agentId, finished, to, now);
      }
    }
    if (freed) this.observer.capacityFreed?.();
  }

  private recordOutcome(agentId: string, entry: OutOnAgent, to: CommandStatus, now: number): void {
    const seconds = Math.max(0, now - entry.sentAt) / 1000;
    this.observer.finished?.(entry.command.type, to, seconds);
    const failed = to === 'failed' || to === 'timed_out';
    this.stats.set(agentId, recordOutcome(this.stats.get(agentId) ?? NO_STATS, seconds * 1000, failed));
  }

  /** Sends what was stored as dispatched; a delivery the store refused (cancelled, expired) leaves the window. */
  private send(deliveries: Map<AgentLane, Command[]>, applied: readonly AppliedTransition[]): void {
    const stored = new Set(applied.map((t) => t.id));
    for (const [lane, commands] of deliveries) {
      const out = commands.filter((command) => {
        if (stored.has(command.id)) return true;
        lane.finish(command.id);
        return false;
      });
      // A refused delivery held a window slot in this take: the next flush fills it.
      if (out.length < commands.length) this.markDirty(lane);
      for (const command of out) {
        const entry = lane.outEntry(command.id);
        if (entry) entry.status = 'dispatched';
      }
      if (out.length > 0 && this.link().deliver(lane.agentId, out)) this.delivered += out.length;
    }
  }

  /** Tells each agent which of its updates are stored (or refused for good), so it stops re-sending them. */
  private confirmReports(reports: readonly AgentReport[]): void {
    const byAgent = new Map<string, { commandId: string; phase: AgentPhase }[]>();
    for (const r of reports) {
      if (r.phase === undefined) continue;
      const list = byAgent.get(r.agentId) ?? [];
      list.push({ commandId: r.commandId, phase: r.phase });
      byAgent.set(r.agentId, list);
    }
    for (const [agentId, receipts] of byAgent) this.link().confirmUpdates(agentId, receipts);
  }
}
