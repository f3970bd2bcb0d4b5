// Two `corral serve` processes on one Redis (CACHE_URL): exactly one leads
// the background sweeps (corral_leader on /metrics), the other takes over
// within the lease's time to live when the leader is killed with SIGKILL, and
// a clean stop releases the lease. Both report the cache in /api/status.
import { afterAll, expect, it, onTestFailed } from 'vitest';
import { describeWithRedis, REDIS_TEST_URL, TestRedis } from '../../src/infra/redis/test-redis.fixtures.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

const redis = new TestRedis();
const LEADING = /^corral_leader\{lease="background-sweeps"\} (\d)$/m;

async function leading(server: ServerProcess): Promise<boolean> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  const match = LEADING.exec(text);
  if (!match) throw new Error('no corral_leader gauge on /metrics');
  return match[1] === '1';
}

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
  await redis.cleanup();
});

await describeWithRedis('Leader lease across corral serve processes', () => {
  it('lets one instance lead, hands over when it dies, and releases on a clean stop', async () => {
    onTestFailed(() => console.error(allOutputs()));
    const env = { CACHE_URL: REDIS_TEST_URL, CACHE_KEY_PREFIX: redis.prefix, LEADER_LEASE_TTL: '5s' };
    const first = await startServerProcess({ env });
    const second = await startServerProcess({ env });
    const both = () => Promise.all([leading(first), leading(second)]);
    expect(await both()).toEqual([true, false]);
    expect((await api(second).get<{ backends: { cache: string } }>('/api/status')).body.backends.cache).toBe(
      'redis',
    );

    await first.stop('SIGKILL');
    await waitFor(() => leading(second), Boolean, {
      description: 'the second instance to take the lead',
      timeoutMs: 20_000,
    });

    const admin = await redis.admin();
    try {
      const key = `${redis.prefix}lease:background-sweeps`;
      expect(await admin.exists(key)).toBe(1);
      expect(await second.stop('SIGTERM')).toBe(0);
      expect(await admin.exists(key)).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
