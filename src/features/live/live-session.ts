// One live connection, independent of the WebSocket library: hello and
// authentication, replay after the client's last event id, then live events
// and fleet samples, with backpressure. States:
//
//   awaiting_hello ──hello, key ok──▶ syncing ──replay sent──▶ live ◀──drained──▶ lagging
//        │ timeout, bad message, bad key: closed                 (refetch sent on the way back)
//
// Memory per connection is bounded: while syncing, live events wait in a queue
// of at most `replayLimit`; once live, a message is written only while the
// socket's send buffer holds less than `maxBufferedBytes`. Past that the
// session drops everything ("lagging") until the buffer drains below
// `resumeBufferedBytes`, then tells the client to refetch. The key is checked
// again every `keyRecheckMs`, so a revoked key loses its connection.
import type { Principal } from '../api-keys/api-key.js';
import { Role, roleAllows } from '../api-keys/api-key.js';
import type { LiveFeed, LiveSink } from './live-feed.js';
import {
  clientMessageSchema,
  closeReason,
  describeInvalid,
  LiveClose,
  RefetchReason,
  serverMessage,
  type ClientMessage,
} from './live-messages.js';

/** What a session needs from the socket. */
export interface LiveSocket {
  send(text: string): void;
  /** Bytes queued for sending and not yet written. */
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
}

export interface LiveLimits {
  readonly helloTimeoutMs: number;
  readonly replayLimit: number;
  readonly maxBufferedBytes: number;
  readonly resumeBufferedBytes: number;
  readonly drainCheckMs: number;
  readonly keyRecheckMs: number;
}

export const DEFAULT_LIVE_LIMITS: LiveLimits = {
  helloTimeoutMs: 10_000,
  replayLimit: 1000,
  maxBufferedBytes: 1024 * 1024,
  resumeBufferedBytes: 64 * 1024,
  drainCheckMs: 250,
  keyRecheckMs: 60_000,
};

export interface LiveSessionDependencies {
  readonly feed: LiveFeed;
  /** Resolves the key's holder; rejects when the key is unknown, expired or revoked. */
  authenticate(apiKey: string): Promise<Principal>;
  /** Throws when this client address has failed too often (FailedAuthLimiter). */
  checkFailures(): void;
  recordFailure(): void;
}

type State = 'awaiting_hello' | 'authenticating' | 'syncing' | 'live' | 'lagging' | 'closed';

export class LiveSession implements LiveSink {
  private state: State = 'awaiting_hello';
  private readonly timers = new Set<NodeJS.Timeout>();
  private detach: (() => void) | undefined;
  private pending: { id: string; text: string }[] = [];
  private pendingOverflow = false;
  private apiKey = '';
  /** Messages dropped while lagging, for tests and logs. */
  dropped = 0;

  constructor(
    private readonly socket: LiveSocket,
    private readonly deps: LiveSessionDependencies,
    private readonly limits: LiveLimits = DEFAULT_LIVE_LIMITS,
  ) {
    this.after(limits.helloTimeoutMs, () => {
      if (this.state === 'awaiting_hello')
        this.close(LiveClose.Unauthenticated, 'no hello within the hello timeout');
    });
  }

  get current(): State {
    return this.state;
  }

  /** A text frame from the client. */
  receive(raw: string): void {
    if (this.state === 'closed') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.close(LiveClose.BadMessage, 'invalid message: not JSON');
      return;
    }
    const message = clientMessageSchema.safeParse(parsed);
    if (!message.success) {
      this.close(LiveClose.BadMessage, describeInvalid(message.error));
      return;
    }
    this.handle(message.data);
  }

  /** The socket closed (either side). */
  closed(): void {
    this.state = 'closed';
    this.detach?.();
    this.detach = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending = [];
    this.apiKey = '';
  }

  event(id: string, text: string): void {
    if (this.state === 'syncing') {
      if (this.pending.length >= this.limits.replayLimit) this.pendingOverflow = true;
      else this.pending.push({ id, text });
      return;
    }
    this.write(text);
  }

  fleet(text: string): void {
    if (this.state === 'live') this.write(text);
  }

  end(): void {
    this.close(LiveClose.GoingAway, 'the server is stopping');
  }

  private handle(message: ClientMessage): void {
    if (message.type === 'hello') {
      if (this.state !== 'awaiting_hello') {
        this.close(LiveClose.BadMessage, 'invalid message: hello was already sent');
        return;
      }
      void this.hello(message.apiKey, message.lastEventId);
      return;
    }
    if (this.state === 'awaiting_hello' || this.state === 'authenticating') {
      this.close(LiveClose.BadMessage, 'invalid message: send hello first');
      return;
    }
    this.write(serverMessage.pong(message.id));
  }

  private async hello(apiKey: string, lastEventId: string | undefined): Promise<void> {
    this.state = 'authenticating';
    let principal: Principal;
    try {
      this.deps.checkFailures();
    } catch {
      this.close(LiveClose.TooManyFailures, 'too many failed authentications from this address');
      return;
    }
    try {
      principal = await this.deps.authenticate(apiKey);
    } catch {
      this.deps.recordFailure();
      this.close(LiveClose.Unauthenticated, 'API key is missing, unknown, expired or revoked');
      return;
    }
    if (this.current === 'closed') return;
    if (!roleAllows(principal.role, Role.Viewer)) {
      this.close(LiveClose.Forbidden, 'this key may not watch the fleet');
      return;
    }
    this.apiKey = apiKey;
    this.state = 'syncing';
    this.detach = this.deps.feed.attach(this);
    const { sampler } = this.deps.feed;
    this.socket.send(
      serverMessage.welcome(
        principal,
        this.deps.feed.instanceId,
        sampler.options.intervalMs,
        sampler.samples(),
      ),
    );
    await this.sync(lastEventId);
    this.scheduleKeyCheck();
  }

  private async sync(lastEventId: string | undefined): Promise<void> {
    const replayed = new Set<string>();
    let needsRefetch = false;
    if (lastEventId !== undefined) {
      try {
        const replay = await this.deps.feed.replay(lastEventId, this.limits.replayLimit);
        if (this.current === 'closed') return;
        if (!replay.complete) needsRefetch = true;
        for (const event of replay.events) {
          replayed.add(event.id);
          this.socket.send(serverMessage.event(event));
        }
      } catch {
        if (this.current === 'closed') return;
        needsRefetch = true;
      }
    }
    if (this.pendingOverflow) needsRefetch = true;
    const waiting = this.pending;
    this.pending = [];
    this.pendingOverflow = false;
    this.state = 'live';
    if (needsRefetch) this.write(serverMessage.refetch(RefetchReason.GapTooLarge));
    for (const { id, text } of waiting) if (!replayed.has(id)) this.write(text);
    this.write(serverMessage.synced(replayed.size));
  }

  /** Sends unless the client is too far behind; then drops until it catches up. */
  private write(text: string): void {
    if (this.state === 'lagging') {
      this.dropped++;
      return;
    }
    if (this.state !== 'live') return;
    if (this.socket.bufferedAmount + text.length > this.limits.maxBufferedBytes) {
      this.state = 'lagging';
      this.dropped++;
      this.waitForDrain();
      return;
    }
    this.socket.send(text);
  }

  private waitForDrain(): void {
    this.after(this.limits.drainCheckMs, () => {
      if (this.state !== 'lagging') return;
      if (this.socket.bufferedAmount > this.limits.resumeBufferedBytes) {
        this.waitForDrain();
        return;
      }
      this.state = 'live';
      this.write(serverMessage.refetch(RefetchReason.SlowConsumer));
    });
  }

  private scheduleKeyCheck(): void {
    this.after(this.limits.keyRecheckMs, () => {
      if (this.state === 'closed') return;
      this.deps.authenticate(this.apiKey).then(
        () => this.scheduleKeyCheck(),
        () => this.close(LiveClose.Unauthenticated, 'the API key was revoked or has expired'),
      );
    });
  }

  private after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.closed();
    this.socket.close(code, closeReason(reason));
  }
}
