// The cache on Redis/Valkey, shared by every instance: values JSON-encoded
// under `<prefix>cache:<key>`, expiry by the server (SET … PX). Lookups
// issued together go out in one pipeline (the connection auto-pipelines).
//
// When Redis cannot answer, the cache degrades instead of failing its callers:
// get answers "absent" (callers read the store), set is dropped, and a delete
// that failed is remembered: this instance stops reading that key and deletes
// it again as soon as the connection is back, so a terminated session or a
// revoked key does not come back from the cache. Every failure is counted and
// logged through the connection.
import type { Cache } from './cache.js';
import type { RedisConnection } from '../redis/redis-connection.js';

/** Deletes remembered while Redis is away; beyond this the oldest are given up (and counted). */
const MAX_PENDING_DELETES = 100_000;
const DELETE_CHUNK = 500;

export class RedisCache implements Cache {
  private readonly pendingDeletes = new Set<string>();
  private readonly stopRetrying: () => void;
  private retrying: Promise<void> | undefined;

  constructor(private readonly redis: RedisConnection) {
    this.stopRetrying = redis.onReady(() => void this.retryDeletes());
  }

  /** Deletes waiting for Redis to come back. */
  get pendingDeleteCount(): number {
    return this.pendingDeletes.size;
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (this.pendingDeletes.has(key)) return undefined;
    try {
      const text = await this.redis.client.get(this.fullKey(key));
      return text === null ? undefined : (JSON.parse(text) as T);
    } catch (error) {
      this.redis.failed('cache_get', error);
      return undefined;
    }
  }

  async set<T>(key: string, value: T, ttlMs: number): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) return;
    try {
      await this.redis.client.set(this.fullKey(key), text, 'PX', Math.max(1, Math.ceil(ttlMs)));
      // What was just written is current: there is nothing left to delete.
      this.pendingDeletes.delete(key);
    } catch (error) {
      this.redis.failed('cache_set', error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.redis.client.del(this.fullKey(key));
      this.pendingDeletes.delete(key);
    } catch (error) {
      this.redis.failed('cache_delete', error);
      this.rememberDelete(key);
    }
  }

  ping(): Promise<void> {
    return this.redis.ping();
  }

  /** The connection is closed by its owner (the backends); this only stops the retries. */
  async close(): Promise<void> {
    this.stopRetrying();
    await this.retrying;
  }

  /** Sends the remembered deletes again (called when the connection is back). */
  retryDeletes(): Promise<void> {
    this.retrying ??= this.sendPendingDeletes().finally(() => {
      this.retrying = undefined;
    });
    return this.retrying;
  }

  private async sendPendingDeletes(): Promise<void> {
    const keys = [...this.pendingDeletes];
    for (let i = 0; i < keys.length; i += DELETE_CHUNK) {
      const chunk = keys.slice(i, i + DELETE_CHUNK);
      try {
        await this.redis.client.del(...chunk.map((key) => this.fullKey(key)));
        for (const key of chunk) this.pendingDeletes.delete(key);
      } catch (error) {
        this.redis.failed('cache_delete', error);
        return;
      }
    }
  }

  private rememberDelete(key: string): void {
    this.pendingDeletes.delete(key);
    this.pendingDeletes.add(key);
    if (this.pendingDeletes.size <= MAX_PENDING_DELETES) return;
    const oldest = this.pendingDeletes.values().next().value;
    if (oldest !== undefined) this.pendingDeletes.delete(oldest);
    this.redis.failed('cache_delete_dropped', new Error('too many deletes waiting for the cache'));
  }

  private fullKey(key: string): string {
    return this.redis.key('cache', key);
  }
}
