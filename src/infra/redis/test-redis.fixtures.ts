// Real Redis for tests: the shared server at 127.0.0.1:6379 (REDIS_TEST_URL
// overrides). Each suite works under its own random key prefix and deletes
// its keys afterwards, never the whole database: other runs share the
// server. When the server is unreachable the Redis suites fail under CI
// (CI set) and are skipped elsewhere, with a loud warning.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeRequiring } from '../../../test/support/describe-requiring.js';
import { systemClock } from '../../shared/clock.js';
import { silentLogger } from '../../shared/logger.js';
import type { OpenSubject } from '../contract-subject.fixtures.js';
import { hasRedisServerBinary, REDIS_SERVER_BINARY } from './private-redis-server.fixtures.js';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection.js';

export const REDIS_TEST_URL = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

let probed: Promise<string | undefined> | undefined;

/** Why Redis cannot be used, or undefined when it answers. */
export function redisUnavailableReason(): Promise<string | undefined> {
  probed ??= (async () => {
    const client = new Redis(REDIS_TEST_URL, {
      lazyConnect: true,
      retryStrategy: () => null,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      client.disconnect();
    }
  })();
  return probed.then((reason) => (reason === undefined ? undefined : `${REDIS_TEST_URL}: ${reason}`));
}

/**
 * `describe` for suites that need Redis: runs them when it answers; otherwise fails one test under CI and
 * skips the suite (warning loudly) elsewhere. Call at top level with `await`.
 */
export async function describeWithRedis(
  name: string,
  body: () => void,
  options: { needsServerBinary?: boolean } = {},
): Promise<void> {
  const reason =
    options.needsServerBinary && !hasRedisServerBinary()
      ? `no redis-server binary at ${REDIS_SERVER_BINARY} (REDIS_SERVER_BINARY overrides)`
      : await redisUnavailableReason();
  describeRequiring(
    name,
    reason === undefined ? undefined : `Redis is not usable for tests: ${reason}`,
    'start it: scripts/ci/ensure-services.sh, docs/testing.md',
    body,
  );
}

/** A fresh key prefix for one suite or test. */
export const testPrefix = (): string => `corral-test:${randomUUID()}:`;

/** Opens connections under one prefix and, on cleanup, deletes the prefix's keys and closes them. */
export class TestRedis {
  readonly prefix = testPrefix();
  private readonly connections: RedisConnection[] = [];

  async connect(options: Partial<RedisConnectionOptions> = {}): Promise<RedisConnection> {
    const connection = await RedisConnection.open({
      url: REDIS_TEST_URL,
      keyPrefix: this.prefix,
      logger: silentLogger,
      startTimeoutMs: 5000,
      ...options,
    });
    this.connections.push(connection);
    return connection;
  }

  /** Keys under this prefix now (for assertions on the key layout). */
  async keys(): Promise<string[]> {
    const admin = await this.admin();
    try {
      return await scanPrefix(admin, this.prefix);
    } finally {
      admin.disconnect();
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.connections.splice(0).map((connection) => connection.close()));
    const admin = await this.admin();
    try {
      const keys = await scanPrefix(admin, this.prefix);
      for (let i = 0; i < keys.length; i += 500) await admin.unlink(...keys.slice(i, i + 500));
    } finally {
      admin.disconnect();
    }
  }

  /** A plain client, outside any prefix, for what tests do behind the adapters' backs. */
  async admin(): Promise<Redis> {
    const client = new Redis(REDIS_TEST_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }
}

async function scanPrefix(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A contract subject on Redis: two connections (two "instances") under one fresh prefix. */
export function redisSubject<T>(make: (connection: RedisConnection) => T): OpenSubject<T> {
  return async () => {
    const redis = new TestRedis();
    const [first, second] = await Promise.all([redis.connect(), redis.connect()]);
    return {
      first: make(first),
      second: make(second),
      clock: systemClock,
      elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      close: () => redis.cleanup(),
    };
  };
}
