// Tells other instances about work stored here for agents they hold, and acts
// on what they tell this one (ADR 0017). Sending is batched: everything noted
// during one turn of the event loop goes out in one flush, with one presence
// lookup for all the agents concerned and at most one message per instance
// and kind, never one message per command. A signal only points at the
// store: a lost one delays work until the agent reconnects (or, for capability
// children, until a scheduler re-reads the store), it never loses it.
import type { InstanceMessenger } from '../../infra/bus/instance-messenger.js';
import type { Presence } from '../../infra/coordination/presence.js';
import { CorralError, ErrorCode } from '../../shared/errors.js';
import type { CommandRouting } from '../commands/command-routing.js';
import type { Command } from '../commands/command.js';
import type { ConfigurationChange } from '../configuration/configuration-service.js';
import { parseSignal, signalMessage, type Signal } from './signal-messages.js';

/** What this instance does with a signal from another. */
export interface SignalReceivers {
  /** New commands in the store for these agents (they may or may not be connected here). */
  workArrived(agentIds: readonly string[]): void;
  /** Cancels to pass to agents connected here. */
  cancelArrived(commands: readonly { id: string; agentId: string }[], reason: string): void;
  /** Unplaced capability children in the store. */
  capabilityWorkArrived(): void;
  /** Desired state to recompute for the agents connected here. */
  desiredStateChanged(change: ConfigurationChange): void;
  /** An operator asked, through another instance, that this one drain or serve again. */
  drainRequested(by: string): void;
  resumeRequested(by: string): void;
}

export interface InstanceSignalsOptions {
  /** Whether this instance holds the agent's stream (no signal needed). */
  readonly holdsAgent: (agentId: string) => boolean;
  readonly receivers: SignalReceivers;
  readonly onError: (error: unknown) => void;
}

export class InstanceSignals implements CommandRouting {
  private agentsWithWork = new Set<string>();
  private cancels = new Map<string, { id: string; agentId: string }[]>();
  private capabilityWork = false;
  private desiredState: ConfigurationChange[] = [];
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  /** Signals sent and received, for tests and diagnostics. */
  sent = 0;
  received = 0;

  constructor(
    private readonly presence: Presence,
    private readonly messenger: InstanceMessenger,
    private readonly options: InstanceSignalsOptions,
  ) {}

  /** Starts acting on signals from other instances. */
  async start(): Promise<void> {
    this.unsubscribe ??= await this.messenger.onMessage((message, from) => {
      if (from === this.messenger.instanceId) return;
      const signal = parseSignal(message);
      if (signal) {
        this.received += 1;
        this.receive(signal);
      }
    });
  }

  /** Sends what is waiting, then stops listening. */
  async stop(): Promise<void> {
    await this.flush();
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  commandsCreated(commands: readonly Command[]): void {
    for (const command of commands) {
      if (command.agentId === null) {
        if (command.parentId !== null && command.target.kind === 'capability') this.capabilityWork = true;
      } else if (!this.options.holdsAgent(command.agentId)) this.agentsWithWork.add(command.agentId);
    }
    this.schedule();
  }

  cancelRequested(commands: readonly Command[], reason: string): void {
    for (const { id, agentId } of commands) {
      if (agentId === null || this.options.holdsAgent(agentId)) continue;
      const list = this.cancels.get(reason) ?? [];
      list.push({ id, agentId });
      this.cancels.set(reason, list);
    }
    this.schedule();
  }

  /** A change made here that agents held elsewhere must follow. */
  desiredStateChangedHere(change: ConfigurationChange): void {
    if ('all' in change || change.agentIds.length > 0) this.desiredState.push(change);
    this.schedule();
  }

  /**
   * Sends one signal to one instance now, outside the batches (operator
   * requests). Rejects with not_found when no instance of that id listens.
   */
  async tell(instanceId: string, signal: Signal): Promise<void> {
    await this.messenger.send(instanceId, signalMessage(signal));
    this.sent += 1;
  }

  /** Sends everything noted so far; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.send().finally(() => {
      this.flushing = undefined;
      if (this.hasWaiting()) this.schedule();
    });
    return this.flushing;
  }

  private receive(signal: Signal): void {
    const r = this.options.receivers;
    switch (signal.kind) {
      case 'agents_have_work':
        return r.workArrived(signal.agentIds);
      case 'cancel_requested':
        return r.cancelArrived(signal.commands, signal.reason);
      case 'capability_work':
        return r.capabilityWorkArrived();
      case 'desired_state_changed':
        return r.desiredStateChanged(signal.change);
      case 'drain_requested':
        return r.drainRequested(signal.by);
      case 'resume_requested':
        return r.resumeRequested(signal.by);
    }
  }

  private hasWaiting(): boolean {
    return (
      this.agentsWithWork.size > 0 ||
      this.cancels.size > 0 ||
      this.capabilityWork ||
      this.desiredState.length > 0
    );
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || !this.hasWaiting()) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush().catch(this.options.onError);
    });
  }

  private async send(): Promise<void> {
    const agents = this.agentsWithWork;
    const cancels = this.cancels;
    const capability = this.capabilityWork;
    const desired = this.desiredState;
    this.agentsWithWork = new Set();
    this.cancels = new Map();
    this.capabilityWork = false;
    this.desiredState = [];
    const outgoing = new Map<string, Signal[]>();
    const add = (instanceId: string, signal: Signal) => {
      if (instanceId === this.messenger.instanceId) return;
      const list = outgoing.get(instanceId) ?? [];
      list.push(signal);
      outgoing.set(instanceId, list);
    };
    const cancelAgents = [...cancels.values()].flatMap((list) => list.map((c) => c.agentId));
    if (agents.size > 0 || cancelAgents.length > 0) {
      const where = await this.presence.whereIs([...new Set([...agents, ...cancelAgents])]);
      for (const [instanceId, agentIds] of groupBy([...agents], (id) => where.get(id)))
        add(instanceId, { kind: 'agents_have_work', agentIds });
      for (const [reason, list] of cancels)
        for (const [instanceId, commands] of groupBy(list, (c) => where.get(c.agentId)))
          add(instanceId, { kind: 'cancel_requested', reason, commands });
    }
    if (capability || desired.length > 0) {
      const change = mergeChanges(desired);
      for (const { instanceId } of await this.presence.liveInstances()) {
        if (capability) add(instanceId, { kind: 'capability_work' });
        if (change) add(instanceId, { kind: 'desired_state_changed', change });
      }
    }
    await Promise.all(
      [...outgoing].flatMap(([instanceId, signals]) =>
        signals.map((signal) => this.sendOne(instanceId, signal)),
      ),
    );
  }

  private async sendOne(instanceId: string, signal: Signal): Promise<void> {
    try {
      await this.messenger.send(instanceId, signalMessage(signal));
      this.sent += 1;
    } catch (error) {
      // An instance that just went away: its agents reconnect elsewhere and get their work from the store.
      if (error instanceof CorralError && error.code === ErrorCode.NotFound) return;
      this.options.onError(error);
    }
  }
}

/** Items by the instance the key names; items whose key is undefined (held nowhere) are left out. */
function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const list = groups.get(k) ?? [];
    list.push(item);
    groups.set(k, list);
  }
  return groups;
}

function mergeChanges(changes: readonly ConfigurationChange[]): ConfigurationChange | undefined {
  if (changes.length === 0) return undefined;
  if (changes.some((c) => 'all' in c)) return { all: true };
  return { agentIds: [...new Set(changes.flatMap((c) => ('all' in c ? [] : c.agentIds)))] };
}
