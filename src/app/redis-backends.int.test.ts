// Corral's services and admin API on CACHE_URL=redis://: /readyz follows
// Redis, session checks fall back to the store while Redis is down (and a
// session ended meanwhile does not come back from the cache), the admin
// API's rate-limit buckets are shared by instances, and /api/status names
// the cache.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait-for.js';
import { PrivateRedisServer } from '../infra/redis/private-redis-server.fixtures.js';
import {
  describeWithRedis,
  REDIS_TEST_URL,
  TestRedis,
  testPrefix,
} from '../infra/redis/test-redis.fixtures.js';
import { ErrorCode } from '../shared/errors.js';
import { hashToken } from '../shared/secret-tokens.js';
import { silentLogger } from '../shared/logger.js';
import { createHttpServer } from '../transports/http/http-server.js';
import { enrollTestAgent, openTestServices, type TestServices } from './test-services.js';

const poll = (description: string) => ({ description, timeoutMs: 15_000, intervalMs: 25 });

await describeWithRedis(
  'Services on a Redis that goes away',
  () => {
    let server: PrivateRedisServer;
    let t: TestServices;
    const keyPrefix = testPrefix();
    beforeEach(async () => {
      server = await PrivateRedisServer.start({ persistent: true });
      t = await openTestServices({ cache: { url: server.url, keyPrefix } });
    });
    afterEach(async () => {
      await t.close();
      await server.dispose();
    });

    it('is not ready while Redis is down, and ready again once it is back', async () => {
      expect(await t.services.readiness()).toEqual({
        ready: true,
        checks: { store: 'ok', cache: 'ok', bus: 'ok' },
      });
      await server.kill();
      const down = await waitFor(
        () => t.services.readiness(),
        (r) => !r.ready,
        poll('readiness to fail'),
      );
      expect(down.checks.store).toBe('ok');
      expect(down.checks.cache).not.toBe('ok');
      await server.start();
      await waitFor(
        () => t.services.readiness(),
        (r) => r.ready,
        poll('readiness to come back'),
      );
    });

    it('checks sessions against the store while Redis is down; one ended meanwhile stays ended', async () => {
      const { agentId, credential } = await enrollTestAgent(t, 'a1');
      const kept = await t.services.sessions.authenticate(agentId, credential, 'peer');
      const ended = await t.services.sessions.authenticate(agentId, credential, 'peer');
      await server.kill();
      await waitFor(
        () => t.services.readiness(),
        (r) => !r.ready,
        poll('the outage to be seen'),
      );

      expect((await t.services.sessions.validate(kept.token)).id).toBe(kept.session.id);
      await t.services.sessions.terminate(ended.token, 'agent_shutdown');
      await expect(t.services.sessions.validate(ended.token)).rejects.toMatchObject({
        code: ErrorCode.Unauthenticated,
      });

      // The restarted server has the ended session's cache entry back (append-only file).
      await server.start();
      await waitFor(
        () => t.services.readiness(),
        (r) => r.ready,
        poll('Redis to be back'),
      );
      await expect(t.services.sessions.validate(ended.token)).rejects.toMatchObject({
        code: ErrorCode.Unauthenticated,
      });
      const direct = new Redis(server.url);
      try {
        await waitFor(
          () => direct.exists(`${keyPrefix}cache:session:${hashToken(ended.token)}`),
          (count) => count === 0,
          poll('the ended session to leave the cache'),
        );
        expect(await direct.exists(`${keyPrefix}cache:session:${hashToken(kept.token)}`)).toBe(1);
      } finally {
        direct.disconnect();
      }
      expect((await t.services.sessions.validate(kept.token)).id).toBe(kept.session.id);
    });
  },
  { needsServerBinary: true },
);

await describeWithRedis('Services on a shared Redis', () => {
  let redis: TestRedis;
  const opened: TestServices[] = [];
  const open = async () => {
    const t = await openTestServices({ cache: { url: REDIS_TEST_URL, keyPrefix: redis.prefix } });
    opened.push(t);
    return t;
  };
  beforeEach(() => {
    redis = new TestRedis();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((t) => t.close()));
    await redis.cleanup();
  });

  it('shares rate-limit buckets between two admin API instances', async () => {
    const [one, two] = await Promise.all([open(), open()]);
    const servers = [one, two].map((t) =>
      createHttpServer({
        services: t.services,
        logger: silentLogger,
        rateLimitPerMinute: 5,
        version: 'test',
        ...(t.backends.rateLimitStore ? { rateLimitStore: t.backends.rateLimitStore } : {}),
      }),
    );
    try {
      const statuses: number[] = [];
      const remaining: (string | undefined)[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await servers[i % 2]!.inject({ method: 'GET', url: '/api/v1/agents' });
        statuses.push(response.statusCode);
        remaining.push(response.headers['x-ratelimit-remaining']?.toString());
      }
      // No key: the bucket is the caller's address, counted once across both instances.
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect(remaining.slice(0, 5)).toEqual(['4', '3', '2', '1', '0']);
      expect((await redis.keys()).some((key) => key.startsWith(`${redis.prefix}rate-limit:`))).toBe(true);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('names the cache in /api/status and answers /readyz', async () => {
    const t = await open();
    expect((await t.services.status.status()).backends.cache).toBe('redis');
    expect(await t.services.readiness()).toEqual({
      ready: true,
      checks: { store: 'ok', cache: 'ok', bus: 'ok' },
    });
  });
});
