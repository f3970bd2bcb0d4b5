// Delivery of commands to agents and intake of what agents report, with group
// commit: deliveries, receipts and updates are collected and written in one
// batched transaction per flush (every few milliseconds while work waits),
// never one database round trip per message.
//
// At least once: a command is marked dispatched before it is sent, and every
// dispatched-but-unacknowledged command is sent again when its agent
// reconnects (the agent de-duplicates by id). Agent updates are confirmed only
// after they are stored, so the agent re-sends them until then.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import type { AgentPhase, CommandLink } from './command-link.js';
import type { CommandFailure, CommandProgress, Command, JsonValue } from './command.js';
import type { CommandTransitionWrite } from './command-store.js';

export interface AgentReport {
  readonly agentId: string;
  readonly commandId: string;
  /** Undefined for a receipt (the agent has the command). */
  readonly phase?: AgentPhase;
  readonly progress?: CommandProgress;
  readonly result?: JsonValue;
  readonly error?: CommandFailure;
}

export interface DispatcherSettings {
  readonly flushDelayMs: number;
  /** Commands loaded for one agent when it connects. */
  readonly reconnectBatch: number;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = { flushDelayMs: 5, reconnectBatch: 500 };

/** The writes that bring a command from wherever it is to the status an agent report implies. */
function writesFor(report: AgentReport, at: number, knownRunning: boolean): CommandTransitionWrite[] {
  const id = report.commandId;
  const reach: CommandTransitionWrite[] = [{ id, to: 'acknowledged', at }];
  if (report.phase === undefined) return reach;
  if (report.phase === 'running') return knownRunning ? [] : [...reach, { id, to: 'running', at }];
  const started = knownRunning ? [] : [...reach, { id, to: 'running' as const, at }];
  switch (report.phase) {
    case 'succeeded':
      return [
        ...started,
        {
          id,
          to: 'succeeded',
          at,
          ...(report.result === undefined ? {} : { result: report.result }),
          ...(report.progress ? { progress: report.progress } : {}),
        },
      ];
    case 'failed':
    case 'rejected':
      return [
        ...started,
        {
          id,
          to: 'failed',
          at,
          error: report.error ?? { code: report.phase, message: report.phase },
          ...(report.result === undefined ? {} : { result: report.result }),
        },
      ];
    case 'cancelled':
      return [{ id, to: 'cancelled', at, detail: 'confirmed by the agent' }];
  }
}

export class CommandDispatcher {
  private toDeliver = new Map<string, Command[]>();
  private connected = new Set<string>();
  private reports: AgentReport[] = [];
  private readonly running = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  delivered = 0;
  reportsStored = 0;

  /** While true, only emergency commands go out; the rest stay queued. */
  private holding = false;

  constructor(
    private readonly db: Database,
    private readonly link: () => CommandLink,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void,
    private readonly settings: DispatcherSettings = DEFAULT_DISPATCHER_SETTINGS,
  ) {}

  /** Maintenance mode: hold non-emergency dispatch, or release what was held to every connected agent. */
  holdNonEmergency(hold: boolean): void {
    const releasing = this.holding && !hold;
    this.holding = hold;
    if (releasing) for (const agentId of this.connected) void this.loadPending(agentId).catch(this.onError);
  }

  /** An agent's stream opened here: everything still owed to it goes out. */
  agentConnected(agentId: string): void {
    this.connected.add(agentId);
    void this.loadPending(agentId).catch(this.onError);
  }

  agentDisconnected(agentId: string): void {
    this.connected.delete(agentId);
  }

  /** New per-agent commands: those whose agent is connected here are sent on the next flush. */
  commandsCreated(commands: readonly Command[]): void {
    for (const command of commands) {
      if (command.agentId !== null && this.connected.has(command.agentId))
        this.queueDelivery(command.agentId, [command]);
    }
  }

  /** Commands whose cancel must reach their agent. */
  cancelRequested(commands: readonly Command[], reason: string): void {
    for (const command of commands)
      if (command.agentId !== null) this.link().cancel(command.agentId, command.id, reason);
  }

  report(report: AgentReport): void {
    this.reports.push(report);
    this.schedule();
  }

  /** Writes and sends everything collected so far; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.writeAndSend().finally(() => {
      this.flushing = undefined;
      if (this.toDeliver.size > 0 || this.reports.length > 0) this.schedule();
    });
    return this.flushing;
  }

  private async loadPending(agentId: string): Promise<void> {
    const pending = await this.db.commands.pendingForAgent(
      agentId,
      this.clock.now(),
      this.settings.reconnectBatch,
    );
    if (pending.length > 0) this.queueDelivery(agentId, pending);
  }

  private queueDelivery(agentId: string, all: readonly Command[]): void {
    // Held commands stay queued in the store; releasing maintenance reloads them.
    const commands = this.holding ? all.filter((c) => c.priority === 'emergency') : all;
    if (commands.length === 0) return;
    const queued = this.toDeliver.get(agentId);
    if (queued) queued.push(...commands);
    else this.toDeliver.set(agentId, [...commands]);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(this.onError);
    }, this.settings.flushDelayMs);
  }

  private async writeAndSend(): Promise<void> {
    const deliveries = this.toDeliver;
    const reports = this.reports;
    this.toDeliver = new Map();
    this.reports = [];
    const at = this.clock.now();
    const writes: CommandTransitionWrite[] = [];
    for (const commands of deliveries.values()) {
      for (const c of commands) {
        if (c.status === 'dispatched')
          writes.push({ id: c.id, to: 'dispatched', at, delivered: true, detail: 'redelivered' });
        else
          writes.push({ id: c.id, to: 'scheduled', at }, { id: c.id, to: 'dispatched', at, delivered: true });
      }
    }
    const progress = reports.flatMap((r) =>
      r.phase === 'running' && r.progress && this.running.has(r.commandId)
        ? [{ id: r.commandId, progress: r.progress }]
        : [],
    );
    // Each report may only move its own agent's command.
    for (const r of reports)
      writes.push(
        ...writesFor(r, at, this.running.has(r.commandId)).map((w) => ({ ...w, agentId: r.agentId })),
      );
    try {
      await this.db.transaction(async (stores) => {
        if (writes.length > 0) await stores.commands.applyTransitions(writes);
        if (progress.length > 0) await stores.commands.applyProgress(progress);
      });
    } catch (error) {
      // Nothing was stored: deliveries wait for reconnect, agents re-send their reports.
      this.onError(error);
      return;
    }
    for (const r of reports) {
      if (r.phase === 'running') this.running.add(r.commandId);
      else if (r.phase !== undefined) this.running.delete(r.commandId);
    }
    this.reportsStored += reports.length;
    for (const [agentId, commands] of deliveries) {
      if (this.link().deliver(agentId, commands)) this.delivered += commands.length;
    }
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
