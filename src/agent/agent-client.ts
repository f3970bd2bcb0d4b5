// One agent's connection to Corral, shared by the reference agent and the
// simulator: enroll (or load the stored identity), authenticate, keep the
// Connect stream open with heartbeats, run the commands the server sends
// (commands/command-channel.ts), apply the configuration and policies it sends
// (desired-state/), and when the stream drops, reconnect with
// jittered backoff, honouring the server's drain and retry hints and moving on
// to the next of its server addresses when one stops serving it
// (reconnect-policy.ts, server-rotation.ts). It stops on
// stop() or when the server refuses the agent for good; observers follow it
// through typed events and a stats snapshot.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Heartbeat } from '../gen/proto/corral/agent/v1/Heartbeat.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import type {
  AgentClientEvents,
  AgentClientOptions,
  AgentClientStats,
  AgentStopResult,
} from './agent-client-types.js';
import { AgentClientState } from './agent-client-types.js';
import { connectError, isFatal, isSessionRejected } from './agent-errors.js';
import { AgentStats } from './agent-stats.js';
import type { AgentRpc } from './agent-rpc.js';
import { GrpcAgentRpc, describeError, grpcCode } from './agent-rpc.js';
import { Backoff, DEFAULT_BACKOFF } from './backoff.js';
import type { ReconnectDecision } from './reconnect-policy.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import { RotatingAgentRpc } from './rotating-agent-rpc.js';
import { ServerRotation } from './server-rotation.js';
import { CommandChannel } from './commands/command-channel.js';
import { DEFAULT_MAX_CONCURRENT_COMMANDS } from './commands/command-runner.js';
import { builtinHandlers } from './commands/handlers/builtin-handlers.js';
import { MemorySeenCommands } from './commands/seen-commands.js';
import { AgentDesiredState, agentLogger } from './desired-state/agent-desired-state.js';
import { DEFAULT_MAX_EVENT_BUFFER_KIB } from './desired-state/desired-state-types.js';
import { loadOrEnroll } from './enrollment.js';
import { buildHeartbeat, sampleMetrics } from './heartbeat-builder.js';
import type { StreamEnd } from './heartbeat-stream.js';
import { ABRUPT_RESTART, HeartbeatStream } from './heartbeat-stream.js';
import { SessionKeeper } from './session-keeper.js';
import { sleep } from './sleep.js';

export type {
  AgentClientEvents,
  AgentClientOptions,
  AgentClientStats,
  AgentStopResult,
  DisconnectReason,
} from './agent-client-types.js';
export { AgentClientState } from './agent-client-types.js';

const DEFAULT_HEARTBEAT_INTERVAL_MS = 5_000;

/** The default command capacity per command the agent runs at once: a little queue on the agent keeps it busy. */
const COMMAND_CAPACITY_PER_SLOT = 4;
export class AgentClient extends EventEmitter<AgentClientEvents> {
  /** Settles once the client has stopped, by stop() or because the server refused it; never rejects. */
  readonly stopped: Promise<AgentStopResult>;

  private readonly rpc: AgentRpc;
  /** Follows the reconnect policy's address; absent when a test replaced the transport. */
  private readonly transport: RotatingAgentRpc | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly reconnect: ReconnectPolicy;
  private readonly halt = new AbortController();
  /** Makes this process's enrollment attempts safe to retry (enrollment.ts). */
  private readonly enrollmentNonce = randomBytes(18).toString('base64url');
  private keeper: SessionKeeper | undefined;
  private running: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private fatal: CorralError | undefined;
  private stopRequested = false;
  private sequence = 0;
  private settle: (result: AgentStopResult) => void = () => undefined;
  private readonly counters = new AgentStats();
  private readonly commands: CommandChannel;
  private readonly desiredState: AgentDesiredState;
  /** The stream open now, if any. */
  private stream: HeartbeatStream | undefined;
  /** Aborting it ends the current stream with `restart`. */
  private restartControl: AbortController | undefined;
  /** Set by a reconnect request (update, restart, crash): the wait before the next stream. */

  constructor(private readonly options: AgentClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    const { logger, adjustable } = agentLogger(
      options.logger ?? silentLogger,
      options.logLevelFixed === true,
    );
    this.logger = logger;
    this.reconnect = new ReconnectPolicy(
      new Backoff(options.backoff ?? DEFAULT_BACKOFF, options.random),
      new ServerRotation(options.serverAddress),
    );
    this.transport = options.rpc
      ? undefined
      : new RotatingAgentRpc(
          this.reconnect.address,
          (serverAddress) => new GrpcAgentRpc({ ...options, serverAddress }),
        );
    this.rpc = options.rpc ?? (this.transport as RotatingAgentRpc);
    this.counters.serverAddress = this.reconnect.address;
    this.stopped = new Promise((resolve) => {
      this.settle = resolve;
    });
    this.desiredState = new AgentDesiredState({
      logger,
      logLevelAdjustable: adjustable,
      capabilities: options.facts.capabilities ?? [],
      limits: {
        maxEventBufferKiB: options.maxEventBufferKiB ?? DEFAULT_MAX_EVENT_BUFFER_KIB,
        tracing: options.tracing ?? true,
      },
      refuseConfigurations: options.rejectConfigurations,
      clock: this.clock,
      flushIntervalMs: options.commandFlushIntervalMs,
      onIntervalChanged: () => this.stream?.retime(),
      onOutcome: (part, result) => {
        this.counters.desiredStateSettled(part, result);
        this.emit(part === 'configuration' ? 'configurationOutcome' : 'policySetOutcome', result);
      },
    });
    this.commands = this.commandChannel();
  }

  get stats(): AgentClientStats {
    return this.counters.snapshot({
      commandsActive: this.commands.activeCommands,
      updatesUnacknowledged: this.commands.outbox.size,
      logLevel: this.logger.level,
      configuration: this.desiredState.configuration.running,
      policySet: this.desiredState.policies.running,
      reportsPending: this.desiredState.channel.pendingReports,
    });
  }

  /** Starts connecting in the background; idempotent. */
  start(): void {
    if (this.running || this.stopping) return;
    this.running = this.run();
  }

  /**
   * Ends the session (best effort), closes the stream gracefully and releases
   * the connection. Resolves when everything is closed; idempotent.
   */
  stop(reason = 'agent stopping'): Promise<void> {
    this.stopping ??= (async () => {
      this.stopRequested = true;
      if (!this.running) {
        this.finish({ failed: false });
        this.rpc.close();
        return;
      }
      if (!this.counters.terminal) this.counters.state = AgentClientState.Stopping;
      await this.keeper?.terminate(reason, this.options.stopTimeoutMs ?? 2_000);
      this.halt.abort();
      await this.running;
    })();
    return this.stopping;
  }

  private commandChannel(): CommandChannel {
    const { options } = this;
    return new CommandChannel({
      seen: options.seenCommands ?? new MemorySeenCommands({ clock: this.clock }),
      handlers: options.commandHandlers ?? builtinHandlers(),
      maxConcurrent: options.maxConcurrentCommands,
      failureModes: options.failureModes,
      flushIntervalMs: options.commandFlushIntervalMs,
      clock: this.clock,
      random: options.random,
      logger: this.logger,
      agentState: () => this.desiredState.channel.view,
      hooks: {
        reconnect: (delayMs, reason) => this.requestReconnect(delayMs, reason),
        exit: (reason) => {
          this.logger.info({ reason }, 'exit requested by a command');
          if (options.onShutdownRequested) options.onShutdownRequested(reason);
          else void this.stop(reason);
        },
        crash: () => this.crash(),
      },
      onDelivered: (delivery) => {
        this.counters.commandReceived(delivery.duplicate);
        this.emit('commandReceived', delivery);
      },
      onStalled: () => this.counters.commandStalled(),
      onUpdateStored: options.onUpdateStored,
      onFinished: ({ commandId, type, phase, durationMs }) => {
        this.counters.commandFinished(phase);
        this.logger.debug({ commandId, type, phase, durationMs }, 'command finished');
        this.emit('commandFinished', { commandId, type, phase, durationMs });
      },
    });
  }

  /** Closes the current stream (its updates already written) and reconnects after delayMs. */
  private requestReconnect(delayMs: number, reason: string): void {
    if (this.ending) return;
    this.logger.info({ reason, reconnectInMs: delayMs }, 'reconnect requested by a command');
    this.reconnect.restartIn(delayMs);
    this.restartControl?.abort();
  }

  /** The simulated crash: by default a restart in place that keeps only identity and seen ids. */
  private crash(): void {
    if (this.ending) return;
    this.counters.crashed();
    if (this.options.onCrash) {
      this.options.onCrash();
      return;
    }
    this.logger.warn('simulated crash: dropping the stream and all command state');
    this.commands.reset();
    this.desiredState.reset();
    this.keeper?.invalidate();
    this.reconnect.restartIn(0);
    this.restartControl?.abort(ABRUPT_RESTART);
  }

  private async run(): Promise<void> {
    try {
      const agentId = await this.identify();
      while (agentId !== undefined && !this.ending) {
        const end = await this.connectOnce(agentId);
        if (this.ending) break;
        await this.wait(this.reconnect.afterStream(end), end);
      }
    } catch (error) {
      if (!this.ending) this.fail(error);
    } finally {
      this.keeper?.close();
      this.rpc.close();
      this.finish(this.fatal ? { failed: true, error: this.fatal } : { failed: false });
    }
  }

  /**
   * Loads or enrolls the identity, retrying what can be retried, and readies
   * the session keeper. Undefined when stopped first.
   */
  private async identify(): Promise<string | undefined> {
    while (!this.ending) {
      this.counters.state = AgentClientState.Enrolling;
      try {
        const { identity, enrolled } = await loadOrEnroll({
          rpc: this.rpc,
          store: this.options.identityStore,
          facts: this.options.facts,
          enrollmentSecret: this.options.enrollmentSecret,
          enrollmentNonce: this.enrollmentNonce,
          serverAddress: this.reconnect.address,
          clock: this.clock,
          signal: this.halt.signal,
        });
        this.counters.agentId = identity.agentId;
        if (enrolled) this.reconnect.succeeded();
        else if (!this.reconnect.knows(identity.serverAddress)) {
          this.logger.info(
            { enrolledWith: identity.serverAddress, server: this.reconnect.address },
            'connecting to another address than the one the agent enrolled with',
          );
        }
        if (enrolled) {
          this.logger.info({ agentId: identity.agentId }, 'enrolled');
          this.emit('enrolled', { agentId: identity.agentId });
        }
        this.keeper = new SessionKeeper({
          rpc: this.rpc,
          agentId: identity.agentId,
          credential: identity.credential,
          clock: this.clock,
          logger: this.logger,
          random: this.options.random,
          hooks: {
            onSession: (session, how) => {
              if (how !== 'refreshed') return;
              this.counters.sessionRefreshed();
              this.emit('sessionRefreshed', { expiresAtMs: session.expiresAtMs });
            },
            onFatal: (error) => this.fail(error),
          },
        });
        return identity.agentId;
      } catch (error) {
        // Only failed calls are worth retrying; a broken identity file is not.
        if (this.ending || isFatal(error) || grpcCode(error) === undefined) throw error;
        await this.wait(this.reconnect.afterError(error), { kind: 'failed', error, connectedForMs: 0 });
      }
    }
    return undefined;
  }

  /** Authenticates if needed, then runs one Connect stream to its end. */
  private async connectOnce(agentId: string): Promise<StreamEnd> {
    const keeper = this.keeper;
    if (!keeper) throw new CorralError(ErrorCode.Internal, 'no session keeper');
    let call;
    try {
      this.counters.state = AgentClientState.Authenticating;
      const session = await keeper.acquire();
      this.counters.state = AgentClientState.Connecting;
      call = this.rpc.connect(session.token);
    } catch (error) {
      if (isFatal(error)) throw error;
      return { kind: 'failed', error, connectedForMs: 0 };
    }
    const restart = new AbortController();
    this.restartControl = restart;
    const stream = new HeartbeatStream({
      call,
      restartSignal: restart.signal,
      clock: this.clock,
      logger: this.logger,
      heartbeat: () => this.nextHeartbeat(agentId),
      intervalMs: this.options.heartbeatIntervalMs,
      configuredIntervalMs: () => this.desiredState.configuredIntervalMs,
      fallbackIntervalMs: keeper.serverSettings?.heartbeatIntervalMs || DEFAULT_HEARTBEAT_INTERVAL_MS,
      ackTimeoutMs: this.options.ackTimeoutMs ?? 15_000,
      closeGraceMs: this.options.stopTimeoutMs ?? 2_000,
      signal: this.halt.signal,
      hooks: {
        onConnected: (ack, heartbeatIntervalMs, sink) => {
          this.reconnect.succeeded();
          this.counters.connected();
          this.counters.heartbeatIntervalMs = heartbeatIntervalMs;
          this.commands.attach(sink);
          this.desiredState.channel.attach(sink);
          this.logger.info(
            {
              sessionId: ack.sessionId,
              server: this.reconnect.address,
              serverInstance: ack.serverInstance,
              heartbeatIntervalMs,
            },
            'connected',
          );
          this.emit('connected', {
            agentId: ack.agentId || agentId,
            sessionId: ack.sessionId,
            serverAddress: this.reconnect.address,
            serverInstance: ack.serverInstance,
            heartbeatIntervalMs,
          });
        },
        onHeartbeatSent: (heartbeat) => {
          this.counters.heartbeatSent();
          this.emit('heartbeatSent', { sequence: Number(heartbeat.sequence) });
        },
        onHeartbeatSkipped: () => this.counters.heartbeatSkipped(),
        onHeartbeatAck: (ack) => {
          this.counters.heartbeatAcked(ack);
          this.emit('heartbeatAcked', { sequence: ack.sequence, health: ack.health });
        },
        onSessionExpiring: () => keeper.refreshNow(),
        onDrain: (drain) => {
          this.counters.drained();
          this.logger.info(
            { reason: drain.reason, retryAfterMs: drain.retryAfterMs },
            'server asked to drain',
          );
        },
        onCommands: (batch) => void this.commands.onCommands(batch.commands),
        onCancel: (cancel) => this.commands.onCancel(cancel),
        onUpdateReceipts: (receipts) => this.commands.onUpdateReceipts(receipts),
        onConfiguration: (update) => this.desiredState.channel.onConfiguration(update),
        onPolicies: (update) => this.desiredState.channel.onPolicies(update),
        onIntervalChanged: (intervalMs) => {
          this.counters.heartbeatIntervalMs = intervalMs;
        },
      },
    });
    this.stream = stream;
    const end = await stream.run();
    this.stream = undefined;
    this.restartControl = undefined;
    this.commands.detach();
    this.desiredState.channel.detach();
    if (this.counters.linkUp) {
      this.counters.linkUp = false;
      const error = end.kind === 'failed' ? describeError(end.error) : undefined;
      this.logger.info({ reason: end.kind, err: error }, 'disconnected');
      this.emit('disconnected', { reason: end.kind, ...(error === undefined ? {} : { error }) });
    }
    if (end.kind === 'failed') {
      const fatal = connectError(end.error);
      if (fatal) throw fatal;
      // The token was refused (expired, revoked): authenticate again before reconnecting.
      if (isSessionRejected(end.error)) keeper.invalidate();
    }
    return end;
  }

  /** Moves to the address the policy chose, then waits the delay it chose. */
  private async wait(next: ReconnectDecision, end: StreamEnd): Promise<void> {
    if (this.ending) return;
    const { delayMs, address, moved } = next;
    if (moved) {
      this.transport?.use(address);
      this.counters.serverAddress = address;
    }
    const error = end.kind === 'failed' ? describeError(end.error) : undefined;
    const logged = { retryInMs: delayMs, server: address, ...(moved ? { moved: true } : {}) };
    if (error !== undefined) {
      this.counters.failed(error);
      this.logger.warn({ err: error, ...logged }, 'connection failed; retrying');
    } else {
      this.logger.info({ reason: end.kind, ...logged }, 'reconnecting');
    }
    this.counters.state = AgentClientState.Waiting;
    this.emit('retrying', {
      delayMs,
      attempt: this.reconnect.attempt,
      serverAddress: address,
      ...(error === undefined ? {} : { error }),
    });
    await sleep(delayMs, this.halt.signal);
  }

  private nextHeartbeat(agentId: string): Heartbeat {
    this.sequence += 1;
    return buildHeartbeat({
      agentId,
      sequence: this.sequence,
      sentAtMs: this.clock.now(),
      metrics: sampleMetrics(this.options.metrics, this.logger),
      commandCapacity:
        this.options.commandCapacity ??
        COMMAND_CAPACITY_PER_SLOT * (this.options.maxConcurrentCommands ?? DEFAULT_MAX_CONCURRENT_COMMANDS),
      appliedConfigRevision: this.desiredState.configuration.running?.hash ?? '',
      appliedPolicyRevision: this.desiredState.policies.running?.hash ?? '',
    });
  }

  private fail(error: unknown): void {
    if (this.fatal) return;
    this.fatal =
      error instanceof CorralError
        ? error
        : new CorralError(ErrorCode.Internal, `agent stopped: ${describeError(error)}`, { cause: error });
    this.counters.failed(this.fatal.message);
    this.logger.error({ err: this.fatal.message, code: this.fatal.code }, 'agent cannot continue');
    this.halt.abort();
  }

  private finish(result: AgentStopResult): void {
    this.commands.close();
    this.desiredState.channel.close();
    if (this.counters.terminal) return;
    this.counters.state = result.failed ? AgentClientState.Failed : AgentClientState.Stopped;
    this.emit('stopped', result);
    this.settle(result);
  }

  /** Stopping for whatever reason: asked to, or failed. */
  private get ending(): boolean {
    return this.stopRequested || this.halt.signal.aborted;
  }
}
