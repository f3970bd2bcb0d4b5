// Runs the Cache contract on RedisCache against the real Redis, and checks
// what is Redis's own: the key layout, and that losing the connection
// degrades the cache (misses, dropped writes, remembered deletes) instead of
// failing its callers.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import { describeWithRedis, redisSubject, TestRedis } from '../redis/test-redis.fixtures.js';
import { describeCacheContract } from './cache.contract.js';
import { RedisCache } from './redis-cache.js';

await describeWithRedis('RedisCache', () => {
  describeCacheContract(
    'redis',
    redisSubject((connection) => new RedisCache(connection)),
  );

  let redis: TestRedis;
  beforeEach(() => {
    redis = new TestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it('stores JSON under <prefix>cache:<key> with the time to live on the server', async () => {
    const cache = new RedisCache(await redis.connect());
    await cache.set('session:abc', { id: 's1' }, 60_000);
    expect(await redis.keys()).toEqual([`${redis.prefix}cache:session:abc`]);
    const admin = await redis.admin();
    try {
      expect(await admin.get(`${redis.prefix}cache:session:abc`)).toBe('{"id":"s1"}');
      const ttl = await admin.pttl(`${redis.prefix}cache:session:abc`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      admin.disconnect();
    }
  });

  it('survives its connection being killed: reconnects and answers again', async () => {
    const connection = await redis.connect();
    const cache = new RedisCache(connection);
    await cache.set('k', 'before', 60_000);
    const id = await connection.client.client('ID');
    const admin = await redis.admin();
    try {
      expect(await admin.client('KILL', 'ID', String(id))).toBe(1);
    } finally {
      admin.disconnect();
    }
    await waitFor(
      async () => {
        await cache.set('k', 'after', 60_000);
        return cache.get('k');
      },
      (value) => value === 'after',
      { description: 'the cache to answer again after its connection was killed', timeoutMs: 10_000 },
    );
    expect(await connection.client.client('ID')).not.toBe(id);
  });
});
