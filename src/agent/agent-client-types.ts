// The public shapes of AgentClient: its options, the stats snapshot observers
// read, and the events it emits. Kept apart so that observers (simulator,
// benchmark) can depend on them without the client's machinery.
import type { AgentConfiguration } from '../features/configuration/agent-configuration.js';
import type { AgentFacts } from '../gen/proto/corral/agent/v1/AgentFacts.js';
import type { Clock } from '../shared/clock.js';
import type { CorralError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { AgentRpc, ConnectionOptions } from './agent-rpc.js';
import type { BackoffOptions, RandomSource } from './backoff.js';
import type {
  CommandHandler,
  CommandUpdateRecord,
  FailureModes,
  TerminalPhase,
} from './commands/command-types.js';
import type { SeenCommands } from './commands/seen-commands.js';
import type { ApplyResult, RunningPolicy } from './desired-state/desired-state-types.js';
import type { StreamEnd } from './heartbeat-stream.js';
import type { IdentityStore } from './identity-store.js';
import type { MetricsSource } from './metrics-source.js';

export interface AgentClientOptions extends Omit<ConnectionOptions, 'serverAddress'> {
  /**
   * The server's address, or several (instances of one fleet): the agent keeps
   * to the one that works and moves on to the next, wrapping around, when it
   * stops working or sends a Drain (reconnect-policy.ts).
   */
  readonly serverAddress: string | readonly string[];
  /** Facts sent at enrollment; `agentId` empty lets the server choose. */
  readonly facts: AgentFacts;
  /** Needed only while the store holds no identity. */
  readonly enrollmentSecret?: string;
  readonly identityStore: IdentityStore;
  readonly metrics: MetricsSource;
  /**
   * Fixed heartbeat interval, as the operator set it: wins over the configuration's
   * reportIntervalSeconds and the server's interval (by default the configuration's,
   * else the server's). A function is asked before every heartbeat.
   */
  readonly heartbeatIntervalMs?: number | (() => number);
  /**
   * The operator fixed the log level (`--log-level`): the configuration's logLevel
   * is kept but not applied. A silent logger (tests) is never made louder either.
   */
  readonly logLevelFixed?: boolean;
  /** The agent's memory budget for events: configurations with a larger bufferSizes.eventBufferKiB are refused (default 65536). */
  readonly maxEventBufferKiB?: number;
  /** False: this agent build has no tracing, so configurations with tracing.enabled are refused (default true). */
  readonly tracing?: boolean;
  /** Simulated misbehaviour: refuse every configuration that would otherwise apply (reported FAILED). */
  readonly rejectConfigurations?: boolean;
  readonly backoff?: BackoffOptions;
  readonly ackTimeoutMs?: number;
  /** Bound on each step of stop(): TerminateSession, then the stream's close. */
  readonly stopTimeoutMs?: number;
  readonly clock?: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  /** Replaces the gRPC transport (tests); it then serves every address. */
  readonly rpc?: AgentRpc;
  /** Command ids already accepted; in memory by default (the reference agent keeps a file). */
  readonly seenCommands?: SeenCommands;
  /** The command types this agent runs; the built-in ones by default. */
  readonly commandHandlers?: readonly CommandHandler[];
  /** Commands running at once (default 4). */
  readonly maxConcurrentCommands?: number;
  /**
   * Commands the agent takes at once, running plus waiting in its own queue;
   * stated in every heartbeat so the server keeps no more than this out on it
   * (default 4 × maxConcurrentCommands).
   */
  readonly commandCapacity?: number;
  /** How long receipts and updates may wait to be sent together (default 5 ms). */
  readonly commandFlushIntervalMs?: number;
  /** Simulated misbehaviour (fail, slow down, crash, stall). */
  readonly failureModes?: FailureModes;
  /** A `shutdown` command succeeded; by default the client stops. */
  readonly onShutdownRequested?: (reason: string) => void;
  /**
   * The simulated crash (failureModes.crashAfter) is due. By default the client
   * restarts in place: drops the stream without goodbye, forgets everything but
   * its identity and seen command ids, and connects again.
   */
  readonly onCrash?: () => void;
  /**
   * The server stored one of this agent's command updates (its receipt
   * arrived); called once per (command id, phase). Load tests time commands by it.
   */
  readonly onUpdateStored?: (update: CommandUpdateRecord) => void;
}

export const AgentClientState = {
  Idle: 'idle',
  Enrolling: 'enrolling',
  Authenticating: 'authenticating',
  Connecting: 'connecting',
  Connected: 'connected',
  Waiting: 'waiting',
  Stopping: 'stopping',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type AgentClientState = (typeof AgentClientState)[keyof typeof AgentClientState];

export interface AgentClientStats {
  readonly state: AgentClientState;
  readonly agentId: string | undefined;
  /** The server address in use, or tried next. */
  readonly serverAddress: string;
  readonly connected: boolean;
  /** ConnectAcks received, and those after the first. */
  readonly connects: number;
  readonly reconnects: number;
  readonly heartbeatsSent: number;
  readonly heartbeatsSkipped: number;
  readonly heartbeatsAcked: number;
  readonly lastAckedSequence: number;
  /** The server's view of this agent's health, from the last ack. */
  readonly serverHealth: string | undefined;
  readonly sessionRefreshes: number;
  readonly drains: number;
  readonly errors: number;
  readonly lastError: string | undefined;
  /** Command deliveries, and those of an id seen before (receipted, not run). */
  readonly commandsReceived: number;
  readonly commandsDuplicate: number;
  /** Deliveries dropped on purpose (failureModes.stallRate). */
  readonly commandsStalled: number;
  /** Finished commands by terminal phase. */
  readonly commandsSucceeded: number;
  readonly commandsFailed: number;
  readonly commandsCancelled: number;
  readonly commandsRejected: number;
  /** Queued or running now. */
  readonly commandsActive: number;
  /** Updates the server has not receipted yet. */
  readonly updatesUnacknowledged: number;
  /** Simulated crashes (failureModes.crashAfter). */
  readonly crashes: number;
  /** The heartbeat interval in use (0 before the first ConnectAck). */
  readonly heartbeatIntervalMs: number;
  /** The level the agent logs at now. */
  readonly logLevel: string;
  /** Hash of the configuration the agent runs ('' until it applied one), and that configuration. */
  readonly configHash: string;
  readonly configuration: AgentConfiguration | undefined;
  /** Hash of the policy set the agent runs ('' until it applied one), and its policies. */
  readonly policyHash: string;
  readonly policies: readonly RunningPolicy[];
  /** Configurations and policy sets applied or refused (a repeat of the hash already run is not counted). */
  readonly configurationsApplied: number;
  readonly configurationsFailed: number;
  readonly policySetsApplied: number;
  readonly policySetsFailed: number;
  /** Configuration and policy reports waiting for a writable stream. */
  readonly reportsPending: number;
}

export type DisconnectReason = StreamEnd['kind'];

export type AgentClientEvents = {
  enrolled: [{ agentId: string }];
  connected: [
    {
      agentId: string;
      sessionId: string;
      /** The address connected to, and the id of the instance behind it. */
      serverAddress: string;
      serverInstance: string;
      heartbeatIntervalMs: number;
    },
  ];
  disconnected: [{ reason: DisconnectReason; error?: string }];
  heartbeatSent: [{ sequence: number }];
  heartbeatAcked: [{ sequence: number; health: string }];
  sessionRefreshed: [{ expiresAtMs: number }];
  /** Waiting delayMs before connecting to serverAddress (another address than before when the last one failed). */
  retrying: [{ delayMs: number; attempt: number; serverAddress: string; error?: string }];
  commandReceived: [{ commandId: string; type: string; attempt: number; duplicate: boolean }];
  commandFinished: [{ commandId: string; type: string; phase: TerminalPhase; durationMs: number }];
  /** A configuration was applied or refused, or its hash was already running (`unchanged`). */
  configurationOutcome: [ApplyResult];
  /** A policy set was applied or refused, or its hash was already running (`unchanged`). */
  policySetOutcome: [ApplyResult];
  stopped: [AgentStopResult];
};

export type AgentStopResult =
  { readonly failed: false } | { readonly failed: true; readonly error: CorralError };
