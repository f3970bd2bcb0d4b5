// The shapes around one Connect stream (heartbeat-stream.ts): how it ended,
// the hooks through which it hands over what the server sends, and its options.
import type { CommandBatch__Output } from '../gen/proto/corral/agent/v1/CommandBatch.js';
import type { CommandCancel__Output } from '../gen/proto/corral/agent/v1/CommandCancel.js';
import type { CommandUpdateReceipts__Output } from '../gen/proto/corral/agent/v1/CommandUpdateReceipts.js';
import type { ConfigurationUpdate__Output } from '../gen/proto/corral/agent/v1/ConfigurationUpdate.js';
import type { ConnectAck__Output } from '../gen/proto/corral/agent/v1/ConnectAck.js';
import type { Drain__Output } from '../gen/proto/corral/agent/v1/Drain.js';
import type { Heartbeat } from '../gen/proto/corral/agent/v1/Heartbeat.js';
import type { HeartbeatAck__Output } from '../gen/proto/corral/agent/v1/HeartbeatAck.js';
import type { PolicySetUpdate__Output } from '../gen/proto/corral/agent/v1/PolicySetUpdate.js';
import type { SessionExpiring__Output } from '../gen/proto/corral/agent/v1/SessionExpiring.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { ConnectStream } from './agent-rpc.js';
import type { CommandSink } from './commands/command-channel.js';

export type StreamEnd =
  /** The server asked us to leave and come back after `drain.retryAfterMs`. */
  | { readonly kind: 'drain'; readonly drain: Drain__Output; readonly connectedForMs: number }
  /** The server closed the stream with OK and no drain. */
  | { readonly kind: 'ended'; readonly connectedForMs: number }
  | { readonly kind: 'failed'; readonly error: unknown; readonly connectedForMs: number }
  /** We were told to stop. */
  | { readonly kind: 'stopped'; readonly connectedForMs: number }
  /** We were told to close and reconnect (restart signal). */
  | { readonly kind: 'restart'; readonly connectedForMs: number };

export interface StreamHooks {
  /** The sink writes command receipts and updates on this stream. */
  onConnected?(ack: ConnectAck__Output, intervalMs: number, sink: CommandSink): void;
  onHeartbeatSent?(heartbeat: Heartbeat): void;
  /** A heartbeat was due while the previous ones were still waiting to be sent. */
  onHeartbeatSkipped?(): void;
  onHeartbeatAck?(ack: HeartbeatAck__Output): void;
  onSessionExpiring?(message: SessionExpiring__Output): void;
  onDrain?(drain: Drain__Output): void;
  onCommands?(batch: CommandBatch__Output): void;
  onCancel?(cancel: CommandCancel__Output): void;
  onUpdateReceipts?(receipts: CommandUpdateReceipts__Output): void;
  onConfiguration?(update: ConfigurationUpdate__Output): void;
  onPolicies?(update: PolicySetUpdate__Output): void;
  /** The heartbeat interval in use changed after the ConnectAck (configuration, warm-up). */
  onIntervalChanged?(intervalMs: number): void;
}

export interface HeartbeatStreamOptions {
  readonly call: ConnectStream;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds the next heartbeat (sequence, time, metrics). */
  readonly heartbeat: () => Heartbeat;
  /** Heartbeat interval overriding every other; a function is asked before every beat. */
  readonly intervalMs?: number | (() => number);
  /**
   * The interval the agent's configuration asks for (reportIntervalSeconds),
   * asked before every beat and on retime(): wins over the server's ConnectAck
   * setting, not over intervalMs.
   */
  readonly configuredIntervalMs?: () => number | undefined;
  /** Interval when neither the option nor the ConnectAck sets one. */
  readonly fallbackIntervalMs: number;
  /** Give up on a stream that sends no ConnectAck within this time. */
  readonly ackTimeoutMs: number;
  /** How long to wait for the server to close after we half-close, before cancelling. */
  readonly closeGraceMs: number;
  readonly hooks: StreamHooks;
  /** Aborting it closes the stream gracefully; the run then resolves with `stopped`. */
  readonly signal: AbortSignal;
  /**
   * Aborting it closes the stream and resolves with `restart`: gracefully, or
   * at once (no half-close, as a crashed process would) when its reason is
   * ABRUPT_RESTART (heartbeat-stream.ts).
   */
  readonly restartSignal?: AbortSignal;
}
