// Every open agent stream on this instance, one per agent. Implements the
// AgentConnections port for the services, drains all streams on shutdown (a
// Drain notice, a deadline, then close) and some at a time for an operator
// drain (DrainableStreams, paced by InstanceDrain). While either drain is on,
// new streams are refused. Tells the instance's presence which agents it
// holds as streams come and go (in memory: the keeper batches the I/O).
import type { AgentConnections } from '../../features/agents/agent-connections.js';
import type { DurableHeartbeat } from '../../features/health/fleet-tracker.js';
import type { AgentPhase, CommandLink } from '../../features/commands/command-link.js';
import type { Command } from '../../features/commands/command.js';
import { commandToWire, PHASE_OUT } from './command-wire.js';
import type { AgentConfiguration } from '../../features/configuration/agent-configuration.js';
import type {
  DesiredStateLink,
  EffectivePolicySet,
} from '../../features/configuration/desired-state-distributor.js';
import { configurationToWire, policiesToWire } from './desired-state-wire.js';
import type { DrainableStreams, DrainNotice } from '../../features/instances/instance-drain.js';
import type { Clock } from '../../shared/clock.js';
import type { AgentStream } from './agent-stream.js';

/** Told which agents' streams this instance holds (PresenceKeeper); must not do I/O per call. */
export interface HeldAgents {
  add(agentId: string): void;
  remove(agentId: string): void;
}

export class StreamHub implements AgentConnections, CommandLink, DesiredStateLink, DrainableStreams {
  private readonly streams = new Map<string, AgentStream>();
  /** Shutting down: every stream is being drained. */
  private shuttingDown = false;
  /** An operator drain refuses new streams. */
  private refusing = false;
  /** Streams already sent a Drain by the operator drain. */
  private readonly told = new WeakSet<AgentStream>();

  constructor(
    private readonly clock: Clock,
    private readonly held?: HeldAgents,
  ) {}

  /** New streams are refused: the instance is shutting down or drained by an operator. */
  get isDraining(): boolean {
    return this.shuttingDown || this.refusing;
  }

  refuseNewStreams(refuse: boolean): void {
    this.refusing = refuse;
  }

  drainSome(count: number, notice: DrainNotice): number {
    const deadline = this.clock.now() + notice.graceMs;
    const wave: AgentStream[] = [];
    for (const stream of this.streams.values()) {
      if (wave.length >= count) break;
      if (this.told.has(stream) || stream.isClosed) continue;
      this.told.add(stream);
      wave.push(stream);
      stream.send({
        drain: { reason: notice.reason, deadlineMs: deadline, retryAfterMs: notice.retryAfterMs },
      });
    }
    if (wave.length > 0) {
      // An agent that has not left by the deadline is shown the door: its stream ends with OK.
      setTimeout(() => {
        for (const stream of wave) if (this.streams.get(stream.agentId) === stream) stream.end();
      }, notice.graceMs).unref();
    }
    return wave.length;
  }

  /** Adds a stream; an older stream of the same agent is drained and closed. */
  register(stream: AgentStream): void {
    const previous = this.streams.get(stream.agentId);
    this.streams.set(stream.agentId, stream);
    this.held?.add(stream.agentId);
    if (previous && previous !== stream)
      this.drainStream(previous, 'replaced by a newer connection of the same agent', 0);
  }

  /** Removes a stream if it is still the agent's current one; true when it was. */
  remove(stream: AgentStream): boolean {
    if (this.streams.get(stream.agentId) !== stream) return false;
    this.streams.delete(stream.agentId);
    this.held?.remove(stream.agentId);
    return true;
  }

  get(agentId: string): AgentStream | undefined {
    return this.streams.get(agentId);
  }

  isConnected(agentId: string): boolean {
    return this.streams.has(agentId);
  }

  connectedCount(): number {
    return this.streams.size;
  }

  disconnect(agentId: string, reason: string): void {
    const stream = this.streams.get(agentId);
    if (stream) this.drainStream(stream, reason, 0);
  }

  /** Cumulative acks: each agent learns the highest heartbeat sequence now stored. */
  acknowledge(durable: readonly DurableHeartbeat[]): void {
    for (const { agentId, sequence, health } of durable) {
      this.streams.get(agentId)?.send({ heartbeatAck: { sequence, health } });
    }
  }

  deliver(agentId: string, commands: readonly Command[]): boolean {
    const stream = this.streams.get(agentId);
    if (!stream || stream.isClosed) return false;
    stream.send({ commands: { commands: commands.map(commandToWire) } });
    return true;
  }

  cancel(agentId: string, commandId: string, reason: string): void {
    this.streams.get(agentId)?.send({ cancel: { commandId, reason } });
  }

  confirmUpdates(agentId: string, receipts: readonly { commandId: string; phase: AgentPhase }[]): void {
    this.streams.get(agentId)?.send({
      updateReceipts: {
        receipts: receipts.map((r) => ({ commandId: r.commandId, phase: PHASE_OUT[r.phase] })),
      },
    });
  }

  sendConfiguration(
    agentId: string,
    hash: string,
    config: AgentConfiguration,
    revisionIds: readonly string[],
  ): void {
    this.streams.get(agentId)?.send({ configuration: configurationToWire(hash, config, revisionIds) });
  }

  sendPolicies(agentId: string, set: EffectivePolicySet): void {
    this.streams.get(agentId)?.send({ policies: policiesToWire(set) });
  }

  sessionRefreshed(agentId: string, expiresAt: number): void {
    const stream = this.streams.get(agentId);
    if (stream) stream.sessionExpiresAt = expiresAt;
  }

  /** Tells every agent to leave, waits up to `deadlineMs` for them to go, then closes the rest. */
  async drainAll(deadlineMs: number, retryAfterMs: number): Promise<void> {
    this.shuttingDown = true;
    const deadline = this.clock.now() + deadlineMs;
    for (const stream of this.streams.values()) {
      stream.send({ drain: { reason: 'server shutting down', deadlineMs: deadline, retryAfterMs } });
    }
    while (this.streams.size > 0 && this.clock.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const stream of [...this.streams.values()]) stream.end();
  }

  private drainStream(stream: AgentStream, reason: string, retryAfterMs: number): void {
    stream.send({ drain: { reason, deadlineMs: this.clock.now(), retryAfterMs } });
    stream.end();
  }
}
