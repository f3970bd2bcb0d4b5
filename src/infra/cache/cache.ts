// The cache port: short-lived shared values with a time to live (session and
// API key lookups). A cache is never the source of truth: a miss, or a cache
// that cannot answer, sends the caller to the store. Values must survive JSON
// (plain data: no Dates, Maps or class instances). Embedded: MemoryCache;
// shared between instances: RedisCache (ADR 0015).

export interface Cache {
  /** The value, or undefined when absent, expired, or the cache cannot answer right now. */
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs: number): Promise<void>;
  /**
   * Removes the value. A shared cache that cannot be reached removes it as soon as it can again, and
   * meanwhile this instance no longer reads the key from it (ADR 0015).
   */
  delete(key: string): Promise<void>;
  /** Resolves when the cache answers; rejects otherwise (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
