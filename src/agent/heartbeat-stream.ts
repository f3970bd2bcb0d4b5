// One life of the agent's Connect stream: wait for the ConnectAck, send
// heartbeats at the interval it sets, dispatch what the server sends (acks,
// session expiry warnings, drain, commands) and ignore message kinds this
// agent does not know, as the protocol requires. Resolves with how the stream ended; the
// caller decides when to open the next one.
import type { CommandBatch__Output } from '../gen/proto/corral/agent/v1/CommandBatch.js';
import type { CommandCancel__Output } from '../gen/proto/corral/agent/v1/CommandCancel.js';
import type { CommandUpdateReceipts__Output } from '../gen/proto/corral/agent/v1/CommandUpdateReceipts.js';
import type { ConnectAck__Output } from '../gen/proto/corral/agent/v1/ConnectAck.js';
import type { Drain__Output } from '../gen/proto/corral/agent/v1/Drain.js';
import type { Heartbeat } from '../gen/proto/corral/agent/v1/Heartbeat.js';
import type { HeartbeatAck__Output } from '../gen/proto/corral/agent/v1/HeartbeatAck.js';
import type { ServerMessage__Output } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import type { SessionExpiring__Output } from '../gen/proto/corral/agent/v1/SessionExpiring.js';
import type { Clock } from '../shared/clock.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
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
}

export interface HeartbeatStreamOptions {
  readonly call: ConnectStream;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Builds the next heartbeat (sequence, time, metrics). */
  readonly heartbeat: () => Heartbeat;
  /** Heartbeat interval overriding the server's; a function is asked before every beat. */
  readonly intervalMs?: number | (() => number);
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
   * ABRUPT_RESTART.
   */
  readonly restartSignal?: AbortSignal;
}

export const ABRUPT_RESTART = 'abrupt';

/** Intervals below this from a server are a bug there, not a reason to spin here. */
export const MIN_HEARTBEAT_INTERVAL_MS = 100;
const MAX_DRAIN_WAIT_MS = 30_000;

export function runHeartbeatStream(options: HeartbeatStreamOptions): Promise<StreamEnd> {
  return new HeartbeatStream(options).run();
}

class HeartbeatStream {
  private connectedAtMs: number | undefined;
  private drain: Drain__Output | undefined;
  private error: unknown;
  private halfClosed = false;
  /** The server's status arrived; nothing can be written any more. */
  private callEnded = false;
  private finished = false;
  private restarting = false;
  private intervalMs = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private resolve: (end: StreamEnd) => void = () => undefined;

  constructor(private readonly options: HeartbeatStreamOptions) {}

  run(): Promise<StreamEnd> {
    const { call, signal } = this.options;
    const done = new Promise<StreamEnd>((resolve) => {
      this.resolve = resolve;
    });
    call.on('data', (message: ServerMessage__Output) => this.onMessage(message));
    // grpc-js emits 'error' (non-OK status) then 'status'; data still buffered is
    // delivered before a setImmediate callback, so finishing there loses no message.
    call.on('error', (error: Error) => {
      this.error ??= error;
      this.callEnded = true;
      setImmediate(() => this.finish());
    });
    call.on('status', () => {
      this.callEnded = true;
      setImmediate(() => this.finish());
    });
    this.ackTimer = setTimeout(() => {
      this.error = new CorralError(
        ErrorCode.Unavailable,
        `no ConnectAck within ${this.options.ackTimeoutMs} ms; reconnecting`,
      );
      call.cancel();
    }, this.options.ackTimeoutMs);
    if (signal.aborted) this.close(this.options.closeGraceMs);
    else signal.addEventListener('abort', this.onAbort, { once: true });
    const { restartSignal } = this.options;
    if (restartSignal?.aborted) this.onRestart();
    else restartSignal?.addEventListener('abort', this.onRestart, { once: true });
    return done;
  }

  private readonly onAbort = (): void => this.close(this.options.closeGraceMs);

  private readonly onRestart = (): void => {
    if (this.finished) return;
    this.restarting = true;
    if (this.options.restartSignal?.reason !== ABRUPT_RESTART) {
      this.close(this.options.closeGraceMs);
      return;
    }
    this.halfClosed = true;
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.ackTimer);
    if (!this.callEnded) this.options.call.cancel();
  };

  private readonly sink: CommandSink = {
    writable: () =>
      this.connectedAtMs !== undefined &&
      !this.halfClosed &&
      !this.callEnded &&
      !this.options.call.writableNeedDrain,
    write: (message) => {
      this.options.call.write(message);
    },
  };

  private onMessage(message: ServerMessage__Output): void {
    const { hooks, logger } = this.options;
    switch (message.kind) {
      case 'connectAck':
        if (message.connectAck) this.onConnectAck(message.connectAck);
        break;
      case 'heartbeatAck':
        if (message.heartbeatAck) hooks.onHeartbeatAck?.(message.heartbeatAck);
        break;
      case 'sessionExpiring':
        if (message.sessionExpiring) hooks.onSessionExpiring?.(message.sessionExpiring);
        break;
      case 'drain':
        if (message.drain) this.onDrain(message.drain);
        break;
      case 'commands':
        if (message.commands) hooks.onCommands?.(message.commands);
        break;
      case 'cancel':
        if (message.cancel) hooks.onCancel?.(message.cancel);
        break;
      case 'updateReceipts':
        if (message.updateReceipts) hooks.onUpdateReceipts?.(message.updateReceipts);
        break;
      default:
        // A kind added to the protocol after this agent was built: ignore it.
        logger.debug('ignoring a server message of an unknown kind');
    }
  }

  private onConnectAck(ack: ConnectAck__Output): void {
    if (this.connectedAtMs !== undefined || this.halfClosed) return;
    clearTimeout(this.ackTimer);
    this.connectedAtMs = this.options.clock.now();
    const fromServer = ack.settings?.heartbeatIntervalMs ?? 0;
    const override =
      typeof this.options.intervalMs === 'function' ? this.options.intervalMs() : this.options.intervalMs;
    const interval = override ?? (fromServer > 0 ? fromServer : this.options.fallbackIntervalMs);
    this.intervalMs = Math.max(MIN_HEARTBEAT_INTERVAL_MS, interval);
    this.options.hooks.onConnected?.(ack, this.intervalMs, this.sink);
    this.beat();
  }

  private beat(): void {
    if (this.halfClosed || this.callEnded) return;
    const { call, hooks } = this.options;
    if (call.writableNeedDrain) {
      // The connection is not keeping up; queueing stale heartbeats helps nobody.
      hooks.onHeartbeatSkipped?.();
    } else {
      const heartbeat = this.options.heartbeat();
      call.write({ heartbeat });
      hooks.onHeartbeatSent?.(heartbeat);
    }
    const next =
      typeof this.options.intervalMs === 'function'
        ? Math.max(MIN_HEARTBEAT_INTERVAL_MS, this.options.intervalMs())
        : this.intervalMs;
    this.heartbeatTimer = setTimeout(() => this.beat(), next);
  }

  private onDrain(drain: Drain__Output): void {
    if (this.drain) return;
    this.drain = drain;
    this.options.hooks.onDrain?.(drain);
    const now = this.options.clock.now();
    // deadline_ms is an epoch time; without a usable one, fall back to our own grace.
    const untilDeadline = drain.deadlineMs > now ? drain.deadlineMs - now : this.options.closeGraceMs;
    this.close(Math.min(untilDeadline, MAX_DRAIN_WAIT_MS));
  }

  /** Half-closes (nothing more to send) and gives the server graceMs to finish the call. */
  private close(graceMs: number): void {
    if (this.halfClosed || this.finished) return;
    this.halfClosed = true;
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.ackTimer);
    if (this.callEnded) return;
    const { call } = this.options;
    call.end();
    this.closeTimer = setTimeout(() => call.cancel(), graceMs);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.ackTimer);
    clearTimeout(this.heartbeatTimer);
    clearTimeout(this.closeTimer);
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.options.restartSignal?.removeEventListener('abort', this.onRestart);
    const connectedForMs =
      this.connectedAtMs === undefined ? 0 : Math.max(0, this.options.clock.now() - this.connectedAtMs);
    if (this.drain) this.resolve({ kind: 'drain', drain: this.drain, connectedForMs });
    else if (this.options.signal.aborted) this.resolve({ kind: 'stopped', connectedForMs });
    else if (this.restarting) this.resolve({ kind: 'restart', connectedForMs });
    else if (this.error !== undefined) this.resolve({ kind: 'failed', error: this.error, connectedForMs });
    else this.resolve({ kind: 'ended', connectedForMs });
  }
}
