// Where and when the agent connects next, given how the last attempt ended.
// Where: the same address after a command-requested restart or a refused
// session token (the session is the fleet's, not the instance's); the next of
// the agent's addresses after anything that says this server is not serving
// it now (a failed call, a stream the server ended, a Drain). When: within a
// round of addresses, a short jittered delay at the current backoff step, so
// an instance's agents do not all land on the next one at once; once a round
// is complete (every address failed in turn, or the only one failed), the
// backoff grows as it always has, stretched to the server's hint (a drain's
// retry_after, RetryInfo on UNAVAILABLE or RESOURCE_EXHAUSTED) when it gave
// one. With one address this is exactly the single-server behaviour.
import { status } from '@grpc/grpc-js';
import { isSessionRejected } from './agent-errors.js';
import { grpcCode } from './agent-rpc.js';
import type { Backoff } from './backoff.js';
import type { StreamEnd } from './heartbeat-stream.js';
import type { ServerRotation } from './server-rotation.js';
import { retryDelayOf } from './status-details.js';

export interface ReconnectDecision {
  readonly delayMs: number;
  /** The address to connect to next. */
  readonly address: string;
  /** Whether it is another address than the one just used. */
  readonly moved: boolean;
}

export class ReconnectPolicy {
  private restartDelayMs: number | undefined;

  constructor(
    private readonly backoff: Backoff,
    private readonly rotation: ServerRotation,
  ) {}

  get attempt(): number {
    return this.backoff.attempt;
  }

  /** The address in use. */
  get address(): string {
    return this.rotation.current;
  }

  /** Whether `address` is one of the agent's addresses. */
  knows(address: string): boolean {
    return this.rotation.includes(address);
  }

  /** A command (update, restart) asked to reconnect after this long. */
  restartIn(delayMs: number): void {
    this.restartDelayMs = delayMs;
  }

  /** The address in use answered (an enrollment, a ConnectAck): the agent keeps to it. */
  succeeded(): void {
    this.rotation.succeeded();
  }

  afterStream(end: StreamEnd): ReconnectDecision {
    this.backoff.connectionLasted(end.connectedForMs);
    switch (end.kind) {
      case 'drain':
        return this.moveOn(end.drain.retryAfterMs, 'added');
      case 'restart': {
        const delayMs = this.restartDelayMs ?? 0;
        this.restartDelayMs = undefined;
        return this.stay(delayMs + this.backoff.next());
      }
      case 'failed':
        return this.afterError(end.error);
      case 'ended':
        return this.moveOn(0, 'added');
      default:
        return this.stay(this.backoff.next());
    }
  }

  /** A call failed (enroll, authenticate, connect) or the stream ended with an error status. */
  afterError(error: unknown): ReconnectDecision {
    // A refused token is renewed by authenticating again, which any instance can do.
    if (isSessionRejected(error)) return this.stay(this.backoff.next());
    const code = grpcCode(error);
    const hinted =
      code === status.RESOURCE_EXHAUSTED || code === status.UNAVAILABLE ? retryDelayOf(error) : undefined;
    return this.moveOn(hinted ?? 0, 'at-least');
  }

  /**
   * Moves to the next address. A server's hint is about that server: it is
   * honoured only when the round brings the agent back to a server it tried.
   */
  private moveOn(hintMs: number, hint: 'added' | 'at-least'): ReconnectDecision {
    const from = this.rotation.current;
    const roundComplete = this.rotation.advance();
    if (!roundComplete) return this.decide(this.backoff.jitter(), from);
    const delayMs = this.backoff.next();
    return this.decide(hint === 'added' ? hintMs + delayMs : Math.max(hintMs, delayMs), from);
  }

  private stay(delayMs: number): ReconnectDecision {
    return { delayMs, address: this.rotation.current, moved: false };
  }

  private decide(delayMs: number, from: string): ReconnectDecision {
    const address = this.rotation.current;
    return { delayMs, address, moved: address !== from };
  }
}
