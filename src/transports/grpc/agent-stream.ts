// One agent's open Connect stream: writes honour HTTP/2 backpressure through a
// bounded outbound queue; when the queue is full the stream is ended with
// RESOURCE_EXHAUSTED rather than buffering without limit.
import type * as grpc from '@grpc/grpc-js';
import { resourceExhausted } from '../../shared/errors.js';
import type { AgentMessage__Output } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { ServerMessage } from '../../gen/proto/corral/agent/v1/ServerMessage.js';
import { toGrpcError } from './status.js';

export type ConnectCall = grpc.ServerDuplexStream<AgentMessage__Output, ServerMessage>;

export class AgentStream {
  private readonly queue: ServerMessage[] = [];
  private blocked = false;
  private closed = false;
  sessionExpiresAt: number;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly agentId: string,
    readonly sessionId: string,
    sessionExpiresAt: number,
    private readonly call: ConnectCall,
    private readonly maxQueued: number,
  ) {
    this.sessionExpiresAt = sessionExpiresAt;
    call.on('drain', () => this.flushQueue());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(message: ServerMessage): void {
    if (this.closed) return;
    if (this.blocked) {
      if (this.queue.length >= this.maxQueued) {
        this.fail(resourceExhausted('agent is not reading its stream; outbound queue is full', 1000));
        return;
      }
      this.queue.push(message);
      return;
    }
    if (!this.call.write(message)) this.blocked = true;
  }

  /** Ends the stream with an error status. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.markClosed();
    this.call.emit('error', toGrpcError(error));
  }

  /** Ends the stream with OK. */
  end(): void {
    if (this.closed) return;
    this.markClosed();
    this.call.end();
  }

  /** Runs `check` after `delayMs` (the session-expiry watch; one timer per stream). */
  watchExpiry(delayMs: number, check: () => void): void {
    if (this.closed) return;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(check, Math.max(0, delayMs));
    this.expiryTimer.unref();
  }

  markClosed(): void {
    this.closed = true;
    this.queue.length = 0;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
  }

  private flushQueue(): void {
    this.blocked = false;
    while (this.queue.length > 0 && !this.blocked && !this.closed) {
      const next = this.queue.shift();
      if (next && !this.call.write(next)) this.blocked = true;
    }
  }
}
