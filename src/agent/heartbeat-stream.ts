// One life of the agent's Connect stream: wait for the ConnectAck, send
// heartbeats at the interval it sets, dispatch what the server sends (acks,
// session expiry warnings, drain, commands, configuration, policies) and ignore
// message kinds this agent does not know, as the protocol requires. Resolves
// with how the stream ended; the caller decides when to open the next one.
import type { Drain__Output } from '../gen/proto/corral/agent/v1/Drain.js';
import type { ConnectAck__Output } from '../gen/proto/corral/agent/v1/ConnectAck.js';
import type { ServerMessage__Output } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import type { CommandSink } from './commands/command-channel.js';
import type { HeartbeatStreamOptions, StreamEnd } from './heartbeat-stream-types.js';

export type { HeartbeatStreamOptions, StreamEnd, StreamHooks } from './heartbeat-stream-types.js';

export const ABRUPT_RESTART = 'abrupt';

/** Intervals below this from a server are a bug there, not a reason to spin here. */
export const MIN_HEARTBEAT_INTERVAL_MS = 100;
const MAX_DRAIN_WAIT_MS = 30_000;

export function runHeartbeatStream(options: HeartbeatStreamOptions): Promise<StreamEnd> {
  return new HeartbeatStream(options).run();
}

export class HeartbeatStream {
  private connectedAtMs: number | undefined;
  private drain: Drain__Output | undefined;
  private error: unknown;
  private halfClosed = false;
  /** The server's status arrived; nothing can be written any more. */
  private callEnded = false;
  private finished = false;
  private restarting = false;
  private intervalMs = 0;
  /** From the ConnectAck; 0 when it set none. */
  private serverIntervalMs = 0;
  private lastBeatAtMs = 0;
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
      case 'configuration':
        if (message.configuration) hooks.onConfiguration?.(message.configuration);
        break;
      case 'policies':
        if (message.policies) hooks.onPolicies?.(message.policies);
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
    this.serverIntervalMs = ack.settings?.heartbeatIntervalMs ?? 0;
    this.intervalMs = this.currentInterval();
    this.options.hooks.onConnected?.(ack, this.intervalMs, this.sink);
    this.beat();
  }

  /**
   * The configured interval may have changed: the next heartbeat is due one new
   * interval after the last one (at once if that is past), not after the old one.
   */
  retime(): void {
    if (this.connectedAtMs === undefined || this.halfClosed || this.callEnded || this.finished) return;
    if (this.currentInterval() !== this.intervalMs) this.scheduleNext();
  }

  /** Operator's fixed interval, else the configuration's, else the server's, else the fallback. */
  private currentInterval(): number {
    const { intervalMs, configuredIntervalMs, fallbackIntervalMs } = this.options;
    const fixed = typeof intervalMs === 'function' ? intervalMs() : intervalMs;
    const fromServer = this.serverIntervalMs > 0 ? this.serverIntervalMs : fallbackIntervalMs;
    return Math.max(MIN_HEARTBEAT_INTERVAL_MS, fixed ?? configuredIntervalMs?.() ?? fromServer);
  }

  private scheduleNext(): void {
    const interval = this.currentInterval();
    if (interval !== this.intervalMs) {
      this.intervalMs = interval;
      this.options.hooks.onIntervalChanged?.(interval);
    }
    clearTimeout(this.heartbeatTimer);
    const sinceLastMs = Math.max(0, this.options.clock.now() - this.lastBeatAtMs);
    this.heartbeatTimer = setTimeout(() => this.beat(), Math.max(0, interval - sinceLastMs));
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
    this.lastBeatAtMs = this.options.clock.now();
    this.scheduleNext();
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
