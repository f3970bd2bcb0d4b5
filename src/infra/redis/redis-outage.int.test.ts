// What a Redis outage does to Corral's Redis adapters, on a private server
// that the test stops and starts: the cache degrades (misses, dropped
// writes, deletes remembered and sent once it is back), leases and presence
// report failures, the leader steps down and leads again, failures are
// counted, and the connection comes back by itself. Also: start-up against
// an unreachable server fails without printing the password.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import { RedisCache } from '../cache/redis-cache.js';
import { LeaderLease } from '../coordination/leader-lease.js';
import { RedisLeases } from '../coordination/redis-leases.js';
import { RedisPresence } from '../coordination/redis-presence.js';
import { PrivateRedisServer } from './private-redis-server.fixtures.js';
import { RedisConnection } from './redis-connection.js';
import { describeWithRedis, testPrefix } from './test-redis.fixtures.js';

const poll = (description: string) => ({ description, timeoutMs: 15_000, intervalMs: 25 });

await describeWithRedis(
  'Redis outage',
  () => {
    let server: PrivateRedisServer;
    let connection: RedisConnection;
    const prefix = testPrefix();
    beforeEach(async () => {
      server = await PrivateRedisServer.start({ persistent: true });
      connection = await RedisConnection.open({ url: server.url, keyPrefix: prefix, logger: silentLogger });
    });
    afterEach(async () => {
      await connection.close();
      await server.dispose();
    });

    it('degrades the cache while Redis is down and catches up when it is back', async () => {
      const cache = new RedisCache(connection);
      const leases = new RedisLeases(connection);
      const presence = new RedisPresence(connection, systemClock);
      await cache.set('kept', { id: 's1' }, 60_000);
      await cache.set('revoked', { id: 's2' }, 60_000);

      await server.kill();
      await waitFor(
        async () => connection.ready,
        (ready) => !ready,
        poll('the client to see the outage'),
      );
      expect(await cache.get('kept')).toBeUndefined();
      await expect(cache.set('written', 1, 60_000)).resolves.toBeUndefined();
      await expect(cache.delete('revoked')).resolves.toBeUndefined();
      expect(cache.pendingDeleteCount).toBe(1);
      await expect(cache.ping()).rejects.toThrow();
      await expect(leases.acquire('sweep', 'a', 60_000)).rejects.toThrow();
      await expect(presence.whereIs(['a1'])).rejects.toThrow();
      expect(connection.failures()).toMatchObject({
        cache_get: 1,
        cache_set: 1,
        cache_delete: 1,
        lease_acquire: 1,
        presence_where: 1,
      });

      // The restarted server has both entries back from its append-only file.
      await server.start();
      await waitFor(() => cache.ping().then(() => true), Boolean, poll('the connection to come back'));
      await waitFor(
        async () => cache.pendingDeleteCount,
        (n) => n === 0,
        poll('the delete to be sent'),
      );
      expect(await cache.get('revoked')).toBeUndefined();
      expect(await cache.get('kept')).toEqual({ id: 's1' });
      expect(await leases.acquire('sweep', 'a', 60_000)).toBe(true);
    });

    it('makes the leader step down when Redis goes, and lead again when it is back', async () => {
      const keeper = new LeaderLease(new RedisLeases(connection), {
        name: 'sweeps',
        instanceId: 'i1',
        ttlMs: 600,
        clock: systemClock,
      });
      const changes: boolean[] = [];
      keeper.onChange((leader) => changes.push(leader));
      await keeper.start();
      try {
        expect(keeper.isLeader).toBe(true);
        await server.kill();
        await waitFor(
          async () => keeper.isLeader,
          (leader) => !leader,
          poll('the leader to step down'),
        );
        expect(changes).toEqual([true, false]);
        await server.start();
        await waitFor(async () => keeper.isLeader, Boolean, poll('the keeper to lead again'));
        expect(changes).toEqual([true, false, true]);
      } finally {
        await keeper.stop();
      }
    });
  },
  { needsServerBinary: true },
);

describe('Redis start-up', () => {
  it('fails when the server does not answer, naming the URL without its password', async () => {
    const failure = await RedisConnection.open({
      url: 'redis://corral:s3cret-pw@127.0.0.1:1/0',
      keyPrefix: testPrefix(),
      logger: silentLogger,
      startTimeoutMs: 300,
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/^cache redis:\/\/corral:\*\*\*@127\.0\.0\.1:1\/0 did not answer/);
    expect(failure?.message).not.toContain('s3cret');
  });
});
