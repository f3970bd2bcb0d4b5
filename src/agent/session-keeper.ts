// Keeps an agent's session alive: authenticates with the credential, refreshes
// the token at about two thirds of its lifetime (or at once when the server
// says it is expiring), falls back to authenticating again when a refresh is
// rejected, and reports a refused credential as fatal instead of retrying it
// forever. At most one Authenticate or RefreshSession is in flight at a time.
import type { AgentSettings__Output } from '../gen/proto/corral/agent/v1/AgentSettings.js';
import type { Session__Output } from '../gen/proto/corral/agent/v1/Session.js';
import type { Clock } from '../shared/clock.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { authenticationError, isFatal, isSessionRejected } from './agent-errors.js';
import type { AgentRpc } from './agent-rpc.js';
import { describeError } from './agent-rpc.js';
import type { RandomSource } from './backoff.js';

export interface ActiveSession {
  readonly sessionId: string;
  readonly token: string;
  /** Server's expiry, Unix epoch ms. */
  readonly expiresAtMs: number;
  /** Local clock time at which the session was obtained. */
  readonly obtainedAtMs: number;
  /** How long the session lives, measured without trusting the two clocks to agree. */
  readonly lifetimeMs: number;
}

export interface SessionKeeperHooks {
  onSession?(session: ActiveSession, how: 'authenticated' | 'refreshed'): void;
  /** The credential was refused while refreshing in the background; the agent cannot go on. */
  onFatal(error: CorralError): void;
}

export interface SessionKeeperOptions {
  readonly rpc: AgentRpc;
  readonly agentId: string;
  readonly credential: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hooks: SessionKeeperHooks;
  readonly random?: RandomSource;
}

/** Refresh this early into the lifetime ... */
const REFRESH_AT = 2 / 3;
/** ... minus up to this share of it, so that a fleet that connected together does not refresh together. */
const REFRESH_JITTER = 0.1;
const MIN_REFRESH_DELAY_MS = 500;
const RETRY_REFRESH_MS = 5_000;

export class SessionKeeper {
  private session: ActiveSession | undefined;
  private settings: AgentSettings__Output | undefined;
  private inflight: Promise<ActiveSession> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly random: RandomSource;

  constructor(private readonly options: SessionKeeperOptions) {
    this.random = options.random ?? Math.random;
  }

  get current(): ActiveSession | undefined {
    return this.session;
  }

  /** Settings from the last Authenticate response. */
  get serverSettings(): AgentSettings__Output | undefined {
    return this.settings;
  }

  /**
   * A session valid now: the current one, or a new one. Rejects with a fatal
   * CorralError when the credential is refused, and with the call's error when
   * the failure is transient.
   */
  async acquire(): Promise<ActiveSession> {
    this.assertOpen();
    const session = this.session;
    if (session && this.remainingMs(session) > Math.min(5_000, session.lifetimeMs / 10)) return session;
    return this.exclusive(() => this.authenticate());
  }

  /** Forgets a session the server no longer accepts, so the next acquire authenticates. */
  invalidate(): void {
    this.session = undefined;
    this.clearTimer();
  }

  /** Refreshes now, in the background (the server said the session is expiring). */
  refreshNow(): void {
    if (this.closed || this.inflight || !this.session) return;
    this.clearTimer();
    void this.refreshInBackground();
  }

  /** Ends the session on the server, best effort within timeoutMs; never rejects. */
  async terminate(reason: string, timeoutMs: number): Promise<void> {
    const session = this.session;
    this.close();
    if (!session || this.remainingMs(session) <= 0) return;
    try {
      await this.options.rpc.terminateSession(session.token, reason, timeoutMs);
    } catch (error) {
      this.options.logger.debug({ err: describeError(error) }, 'could not terminate session');
    }
  }

  /** Stops refreshing and abandons calls in flight. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    this.abort.abort();
    this.session = undefined;
  }

  private async authenticate(): Promise<ActiveSession> {
    const { rpc, agentId, credential } = this.options;
    let response;
    try {
      response = await rpc.authenticate({ agentId, credential }, this.abort.signal);
    } catch (error) {
      throw authenticationError(agentId, error) ?? error;
    }
    if (!response.session?.token) {
      throw new CorralError(ErrorCode.Internal, 'Authenticate response carried no session');
    }
    this.settings = response.settings ?? undefined;
    return this.adopt(response.session, 'authenticated');
  }

  private async refresh(token: string): Promise<ActiveSession> {
    const response = await this.options.rpc.refreshSession(token, this.abort.signal);
    if (!response.session?.token)
      throw new CorralError(ErrorCode.Internal, 'RefreshSession response carried no session');
    return this.adopt(response.session, 'refreshed');
  }

  private async refreshInBackground(): Promise<void> {
    const session = this.session;
    if (!session) return;
    try {
      await this.exclusive(() => this.refresh(session.token));
    } catch (error) {
      if (this.closed) return;
      if (isSessionRejected(error)) {
        this.options.logger.info(
          { err: describeError(error) },
          'session refresh rejected; authenticating again',
        );
        this.session = undefined;
        await this.authenticateInBackground();
        return;
      }
      const remaining = this.remainingMs(session);
      this.options.logger.warn(
        { err: describeError(error), remainingMs: remaining },
        'session refresh failed',
      );
      if (remaining <= 0) {
        // Too late to refresh; the next acquire (after the stream drops) authenticates.
        this.session = undefined;
        return;
      }
      this.schedule(Math.min(RETRY_REFRESH_MS, Math.max(remaining / 2, MIN_REFRESH_DELAY_MS)), () => {
        void this.refreshInBackground();
      });
    }
  }

  private async authenticateInBackground(): Promise<void> {
    try {
      await this.exclusive(() => this.authenticate());
    } catch (error) {
      if (this.closed) return;
      if (isFatal(error)) {
        this.options.hooks.onFatal(error);
        return;
      }
      // Transient: leave it to the connection loop, which authenticates before reconnecting.
      this.options.logger.warn({ err: describeError(error) }, 'authentication failed');
    }
  }

  private adopt(wire: Session__Output, how: 'authenticated' | 'refreshed'): ActiveSession {
    this.assertOpen();
    const now = this.options.clock.now();
    const ttl = this.settings?.sessionTtlMs ?? 0;
    // The server's expiry is on its clock; a relative lifetime survives clock skew.
    const lifetimeMs = ttl > 0 ? ttl : Math.max(0, wire.expiresAtMs - now);
    const session: ActiveSession = {
      sessionId: wire.sessionId,
      token: wire.token,
      expiresAtMs: wire.expiresAtMs,
      obtainedAtMs: now,
      lifetimeMs,
    };
    this.session = session;
    const delay = Math.max(MIN_REFRESH_DELAY_MS, lifetimeMs * (REFRESH_AT - REFRESH_JITTER * this.random()));
    this.schedule(delay, () => {
      void this.refreshInBackground();
    });
    this.options.hooks.onSession?.(session, how);
    return session;
  }

  private remainingMs(session: ActiveSession): number {
    return session.obtainedAtMs + session.lifetimeMs - this.options.clock.now();
  }

  private exclusive(operation: () => Promise<ActiveSession>): Promise<ActiveSession> {
    this.inflight ??= operation().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private schedule(delayMs: number, run: () => void): void {
    this.clearTimer();
    if (this.closed) return;
    this.timer = setTimeout(run, delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new CorralError(ErrorCode.Unavailable, 'session keeper is closed');
  }
}
