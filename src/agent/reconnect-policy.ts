// How long the agent waits before its next connection, given how the last one
// ended: a drain's retry_after (plus jitter, so a drained fleet does not return
// in one burst), a command-requested restart's delay, the server's RetryInfo on
// overload, or plain exponential backoff with jitter.
import { status } from '@grpc/grpc-js';
import { grpcCode } from './agent-rpc.js';
import type { Backoff } from './backoff.js';
import type { StreamEnd } from './heartbeat-stream.js';
import { retryDelayOf } from './status-details.js';

export class ReconnectPolicy {
  private restartDelayMs: number | undefined;

  constructor(private readonly backoff: Backoff) {}

  get attempt(): number {
    return this.backoff.attempt;
  }

  /** A command (update, restart) asked to reconnect after this long. */
  restartIn(delayMs: number): void {
    this.restartDelayMs = delayMs;
  }

  afterStream(end: StreamEnd): number {
    this.backoff.connectionLasted(end.connectedForMs);
    switch (end.kind) {
      case 'drain':
        return end.drain.retryAfterMs + this.backoff.next();
      case 'restart': {
        const delayMs = this.restartDelayMs ?? 0;
        this.restartDelayMs = undefined;
        return delayMs + this.backoff.next();
      }
      case 'failed':
        return this.afterError(end.error);
      default:
        return this.backoff.next();
    }
  }

  /** Backoff, stretched to the server's RetryInfo when it sent one (RESOURCE_EXHAUSTED, UNAVAILABLE). */
  afterError(error: unknown): number {
    const delay = this.backoff.next();
    const code = grpcCode(error);
    const hinted =
      code === status.RESOURCE_EXHAUSTED || code === status.UNAVAILABLE ? retryDelayOf(error) : undefined;
    return hinted === undefined ? delay : Math.max(hinted, delay);
  }
}
