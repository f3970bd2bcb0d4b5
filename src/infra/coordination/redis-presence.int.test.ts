// Runs the Presence contract (with PresenceKeeper) on RedisPresence against
// the real Redis, and checks the key layout.
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import { describeWithRedis, redisSubject, TestRedis } from '../redis/test-redis.fixtures.js';
import { describePresenceContract } from './presence.contract.js';
import { RedisPresence } from './redis-presence.js';

await describeWithRedis('RedisPresence', () => {
  describePresenceContract(
    'redis',
    redisSubject((connection) => new RedisPresence(connection, systemClock)),
  );

  const redis = new TestRedis();
  afterEach(() => redis.cleanup());

  it('keeps one expiring key per agent and per instance, and a registry of instances', async () => {
    const presence = new RedisPresence(await redis.connect(), systemClock);
    await presence.setPresence(['a1'], 'i1', 60_000);
    await presence.heartbeatInstance('i1', { agents: 1, address: 'x', startedAt: 1, version: 'v' }, 60_000);
    expect((await redis.keys()).sort()).toEqual(
      [`${redis.prefix}instance:i1`, `${redis.prefix}instances`, `${redis.prefix}presence:agent:a1`].sort(),
    );
    const admin = await redis.admin();
    try {
      expect(await admin.pttl(`${redis.prefix}presence:agent:a1`)).toBeGreaterThan(0);
      expect(await admin.pttl(`${redis.prefix}instance:i1`)).toBeGreaterThan(0);
    } finally {
      admin.disconnect();
    }
  });
});
