// The Redis/Valkey side of open-cache.ts: one connection, and the cache,
// leases, presence and rate-limit store on it. Imported on demand.
import { RedisCache } from '../infra/cache/redis-cache.js';
import { RedisLeases } from '../infra/coordination/redis-leases.js';
import { RedisPresence } from '../infra/coordination/redis-presence.js';
import { RedisConnection } from '../infra/redis/redis-connection.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { CacheBackends } from './open-cache.js';

export async function openRedisCacheBackends(
  url: string,
  keyPrefix: string,
  logger: Logger,
  clock: Clock,
): Promise<CacheBackends> {
  const connection = await RedisConnection.open({ url, keyPrefix, logger });
  const cache = new RedisCache(connection);
  return {
    cache,
    leases: new RedisLeases(connection),
    presence: new RedisPresence(connection, clock),
    rateLimitStore: { redis: connection.client, nameSpace: connection.key('rate-limit', '') },
    kind: 'redis',
    failures: () => connection.failures(),
    async close() {
      await cache.close();
      await connection.close();
    },
  };
}
