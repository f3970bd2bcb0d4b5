// The counters behind AgentClient.stats: plain numbers, bumped as things
// happen, copied out on demand. Cheap enough for thousands of simulated agents
// read every few seconds.
import type { HeartbeatAck__Output } from '../gen/proto/corral/agent/v1/HeartbeatAck.js';
import type { AgentClientStats } from './agent-client-types.js';
import type { TerminalPhase } from './commands/command-types.js';
import type {
  ApplyResult,
  DesiredPart,
  RunningConfiguration,
  RunningPolicySet,
} from './desired-state/desired-state-types.js';
import { AgentClientState } from './agent-client-types.js';

/** What the stats read from the client's parts when a snapshot is taken. */
export interface LiveNumbers {
  readonly commandsActive: number;
  readonly updatesUnacknowledged: number;
  readonly logLevel: string;
  readonly configuration: RunningConfiguration | undefined;
  readonly policySet: RunningPolicySet | undefined;
  readonly reportsPending: number;
}

export class AgentStats {
  state: AgentClientState = AgentClientState.Idle;
  agentId: string | undefined;
  /** The server address in use (set by the client as it moves). */
  serverAddress = '';
  /** Between a ConnectAck and the end of that stream. */
  linkUp = false;
  private connects = 0;
  private heartbeatsSent = 0;
  private heartbeatsSkipped = 0;
  private heartbeatsAcked = 0;
  private lastAckedSequence = 0;
  private serverHealth: string | undefined;
  private sessionRefreshes = 0;
  private drains = 0;
  private errors = 0;
  private lastError: string | undefined;
  private readonly commands = {
    received: 0,
    duplicate: 0,
    stalled: 0,
    COMMAND_PHASE_SUCCEEDED: 0,
    COMMAND_PHASE_FAILED: 0,
    COMMAND_PHASE_CANCELLED: 0,
    COMMAND_PHASE_REJECTED: 0,
  };
  private crashes = 0;
  heartbeatIntervalMs = 0;
  private readonly desired = {
    configurationApplied: 0,
    configurationFailed: 0,
    policiesApplied: 0,
    policiesFailed: 0,
  };

  connected(): void {
    this.linkUp = true;
    this.connects += 1;
    this.state = AgentClientState.Connected;
  }

  heartbeatSent(): void {
    this.heartbeatsSent += 1;
  }

  heartbeatSkipped(): void {
    this.heartbeatsSkipped += 1;
  }

  /** Acks are cumulative: one ack covers every heartbeat up to its sequence. */
  heartbeatAcked(ack: HeartbeatAck__Output): void {
    this.heartbeatsAcked += Math.max(0, ack.sequence - this.lastAckedSequence);
    this.lastAckedSequence = Math.max(this.lastAckedSequence, ack.sequence);
    if (ack.health) this.serverHealth = ack.health;
  }

  sessionRefreshed(): void {
    this.sessionRefreshes += 1;
  }

  drained(): void {
    this.drains += 1;
  }

  commandReceived(duplicate: boolean): void {
    this.commands.received += 1;
    if (duplicate) this.commands.duplicate += 1;
  }

  commandStalled(): void {
    this.commands.stalled += 1;
  }

  commandFinished(phase: TerminalPhase): void {
    this.commands[phase] += 1;
  }

  /** Repeats of the hash already running are reported again but not counted. */
  desiredStateSettled(part: DesiredPart, result: ApplyResult): void {
    if (result.unchanged) return;
    this.desired[`${part}${result.applied ? 'Applied' : 'Failed'}`] += 1;
  }

  crashed(): void {
    this.crashes += 1;
  }

  failed(description: string): void {
    this.errors += 1;
    this.lastError = description;
  }

  get terminal(): boolean {
    return this.state === AgentClientState.Stopped || this.state === AgentClientState.Failed;
  }

  snapshot(live: LiveNumbers): AgentClientStats {
    return {
      state: this.state,
      agentId: this.agentId,
      serverAddress: this.serverAddress,
      connected: this.linkUp,
      connects: this.connects,
      reconnects: Math.max(0, this.connects - 1),
      heartbeatsSent: this.heartbeatsSent,
      heartbeatsSkipped: this.heartbeatsSkipped,
      heartbeatsAcked: this.heartbeatsAcked,
      lastAckedSequence: this.lastAckedSequence,
      serverHealth: this.serverHealth,
      sessionRefreshes: this.sessionRefreshes,
      drains: this.drains,
      errors: this.errors,
      lastError: this.lastError,
      commandsReceived: this.commands.received,
      commandsDuplicate: this.commands.duplicate,
      commandsStalled: this.commands.stalled,
      commandsSucceeded: this.commands.COMMAND_PHASE_SUCCEEDED,
      commandsFailed: this.commands.COMMAND_PHASE_FAILED,
      commandsCancelled: this.commands.COMMAND_PHASE_CANCELLED,
      commandsRejected: this.commands.COMMAND_PHASE_REJECTED,
      commandsActive: live.commandsActive,
      updatesUnacknowledged: live.updatesUnacknowledged,
      crashes: this.crashes,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      logLevel: live.logLevel,
      configHash: live.configuration?.hash ?? '',
      configuration: live.configuration?.config,
      policyHash: live.policySet?.hash ?? '',
      policies: live.policySet?.policies ?? [],
      configurationsApplied: this.desired.configurationApplied,
      configurationsFailed: this.desired.configurationFailed,
      policySetsApplied: this.desired.policiesApplied,
      policySetsFailed: this.desired.policiesFailed,
      reportsPending: live.reportsPending,
    };
  }
}
