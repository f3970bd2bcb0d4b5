// The one Redis/Valkey connection that the cache, leases, presence and the
// admin API's rate limiter share. ioredis with:
// - auto-pipelining: commands issued in the same tick go out as one write, so
//   many concurrent session lookups cost one round trip, not one each;
// - no offline queue: while disconnected, commands fail at once instead of
//   piling up, and each caller falls back (cache reads go to the store) or
//   tries again on its own schedule (lease renewals, presence refreshes);
// - reconnection forever, with capped exponential backoff and jitter;
// - failures counted per operation (for metrics) and logged at most once per
//   interval each, so a Redis outage does not flood the logs.
// The URL is only ever printed redacted.
import { Redis } from 'ioredis';
import { unavailable } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { defineCorralScripts } from './redis-scripts.js';
import { redactRedisUrl, toClientUrl } from './redis-url.js';

export interface RedisConnectionOptions {
  readonly url: string;
  /** Prepended to every key, so several deployments or test runs can share one server. */
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** How long open() waits for the first connection before start-up fails. */
  readonly startTimeoutMs?: number;
  /** A command without a reply after this long fails (a hung server must not hang callers). */
  readonly commandTimeoutMs?: number;
}

const LOG_EVERY_MS = 10_000;

/** Reconnection delay: 100 ms doubling to 3 s, ±25% so that instances do not reconnect in step. */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(100 * 2 ** Math.min(Math.max(attempt - 1, 0), 5), 3000);
  return Math.round(base * (0.75 + random() * 0.5));
}

export class RedisConnection {
  readonly client: Redis;
  readonly prefix: string;
  readonly redactedUrl: string;
  private readonly logger: Logger;
  private readonly failureCounts = new Map<string, number>();
  private readonly lastLoggedAt = new Map<string, number>();
  private readonly readyListeners = new Set<() => void>();
  private lost = false;
  private closing = false;

  /** Connects and waits until the server answers; fails start-up (naming the redacted URL) otherwise. */
  static async open(options: RedisConnectionOptions): Promise<RedisConnection> {
    const connection = new RedisConnection(options);
    const timeoutMs = options.startTimeoutMs ?? 10_000;
    try {
      await connection.firstReady(timeoutMs);
    } catch (error) {
      connection.closing = true;
      connection.client.disconnect();
      throw unavailable(
        `cache ${connection.redactedUrl} did not answer within ${timeoutMs} ms: ${(error as Error).message}`,
      );
    }
    return connection;
  }

  private constructor(options: RedisConnectionOptions) {
    this.prefix = options.keyPrefix;
    this.redactedUrl = redactRedisUrl(options.url);
    this.logger = options.logger.child({ component: 'redis' });
    this.client = new Redis(toClientUrl(options.url), {
      connectionName: 'corral',
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 5000,
      retryStrategy: (attempt) => reconnectDelayMs(attempt),
    });
    defineCorralScripts(this.client);
    this.client.on('error', (error: Error) => this.failed('connection', error));
    this.client.on('close', () => {
      if (this.closing || this.lost) return;
      this.lost = true;
      this.logger.warn({ url: this.redactedUrl }, 'cache connection lost; reconnecting');
    });
    this.client.on('ready', () => {
      if (this.lost) this.logger.info({ url: this.redactedUrl }, 'cache connection restored');
      this.lost = false;
      for (const listener of this.readyListeners) listener();
    });
  }

  /** The full key for `parts` under this connection's prefix. */
  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Calls `listener` each time the connection becomes ready again; returns the unsubscribe. */
  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Records a failed operation: counted for metrics, logged at most once per interval per operation. */
  failed(operation: string, error: unknown): void {
    if (this.closing) return;
    this.failureCounts.set(operation, (this.failureCounts.get(operation) ?? 0) + 1);
    const now = Date.now();
    if (now - (this.lastLoggedAt.get(operation) ?? 0) < LOG_EVERY_MS) return;
    this.lastLoggedAt.set(operation, now);
    this.logger.warn(
      {
        operation,
        url: this.redactedUrl,
        failures: this.failureCounts.get(operation),
        reason: error instanceof Error ? error.message : String(error),
      },
      'cache operation failed',
    );
  }

  /** Failed operations since start, by operation. */
  failures(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.failureCounts);
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.readyListeners.clear();
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  private firstReady(timeoutMs: number): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (error: Error) => {
        lastError = error;
      };
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.client.off('error', onError);
        this.client.off('ready', onReady);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => done();
      const timer = setTimeout(
        () => done(lastError ?? new Error('no connection was established')),
        timeoutMs,
      );
      this.client.on('error', onError);
      this.client.once('ready', onReady);
    });
  }
}
