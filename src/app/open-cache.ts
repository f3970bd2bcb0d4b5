// Opens what CACHE_URL names: the cache, leases and presence, and (on Redis)
// the client the admin API's rate limiter shares its buckets through.
// `memory:` keeps all of it in this process (one instance); `redis://`,
// `rediss://` (TLS) and their `valkey://` aliases put it on one shared
// Redis/Valkey connection under CACHE_KEY_PREFIX (ADR 0015). The Redis
// client is loaded only when asked for, so the CLI and the embedded default
// do not pay for importing it.
import type { Redis } from 'ioredis';
import type { Settings } from '../config/settings.js';
import type { Cache } from '../infra/cache/cache.js';
import { MemoryCache } from '../infra/cache/memory-cache.js';
import type { Leases } from '../infra/coordination/leases.js';
import { MemoryLeases } from '../infra/coordination/memory-leases.js';
import { MemoryPresence } from '../infra/coordination/memory-presence.js';
import type { Presence } from '../infra/coordination/presence.js';
import { isRedisUrl } from '../infra/redis/redis-url.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** CACHE_KEY_PREFIX's default. */
export const DEFAULT_CACHE_KEY_PREFIX = 'corral:';

export interface CacheBackends {
  readonly cache: Cache;
  readonly leases: Leases;
  readonly presence: Presence;
  /** Where the admin API keeps its rate-limit buckets; undefined: in this process. */
  readonly rateLimitStore: { readonly redis: Redis; readonly nameSpace: string } | undefined;
  /** `memory` or `redis`, for /api/status. */
  readonly kind: 'memory' | 'redis';
  /** Failed cache operations since start, by operation (for metrics). */
  failures(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export async function openCacheBackends(
  settings: Pick<Settings, 'CACHE_URL'> & { readonly CACHE_KEY_PREFIX?: string },
  logger: Logger,
  clock: Clock,
): Promise<CacheBackends> {
  if (!isRedisUrl(settings.CACHE_URL)) {
    const cache = new MemoryCache(clock);
    return {
      cache,
      leases: new MemoryLeases(clock),
      presence: new MemoryPresence(clock),
      rateLimitStore: undefined,
      kind: 'memory',
      failures: () => ({}),
      close: () => cache.close(),
    };
  }
  const { openRedisCacheBackends } = await import('./open-redis-cache.js');
  return openRedisCacheBackends(
    settings.CACHE_URL,
    settings.CACHE_KEY_PREFIX ?? DEFAULT_CACHE_KEY_PREFIX,
    logger,
    clock,
  );
}
