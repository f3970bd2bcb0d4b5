// The agent with several server addresses against two real Corral instances,
// started in-process on one PostgreSQL schema (each with its own in-memory
// cache and bus: enough for agents, which only need the shared store). It
// keeps to the instance that works, moves to the other when that one goes
// away (drained by its stop), wraps around to the first when the second goes
// too, and enrolls through the second when the first address has no server.
import { afterAll, afterEach, expect, it, vi } from 'vitest';
import type { RunningCorral } from '../app/corral.js';
import { startCorral } from '../app/corral.js';
import { loadSettings } from '../config/settings-loader.js';
import type { RequestContext } from '../features/audit/audited.js';
import { SYSTEM_PRINCIPAL } from '../features/api-keys/api-key.js';
import { describeOnPostgres, isolatedPostgresSchema } from '../infra/store/sql/test-databases.fixtures.js';
import { silentLogger } from '../shared/logger.js';
import { AgentClient } from './agent-client.js';
import { MemoryIdentityStore } from './identity-store.js';

const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 20_000, interval: 25 });

const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };
/** Nothing listens on port 1: connections are refused at once. */
const NOBODY = '127.0.0.1:1';

const metrics = () => ({
  cpuPercent: 1,
  memoryPercent: 1,
  memoryRssBytes: 1_000_000,
  load1: 0,
  uptimeSeconds: 1,
});

describeOnPostgres('an agent rotating through two Corral instances', () => {
  const schema = isolatedPostgresSchema();
  const running = new Set<RunningCorral>();
  const clients: AgentClient[] = [];

  const start = async (instanceId: string, grpcPort = 0): Promise<RunningCorral> => {
    const corral = await startCorral(
      loadSettings({
        env: {
          INSTANCE_ID: instanceId,
          STORE_URL: schema.url,
          GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
          ADMIN_API_ADDR: '127.0.0.1:0',
          METRICS_ADDR: '127.0.0.1:0',
          HEARTBEAT_INTERVAL: '200ms',
          HEARTBEAT_FLUSH_INTERVAL: '50ms',
          SHUTDOWN_DRAIN_TIMEOUT: '1s',
          LOG_LEVEL: 'silent',
        },
      }),
      silentLogger,
    );
    running.add(corral);
    return corral;
  };
  const stop = async (corral: RunningCorral) => {
    running.delete(corral);
    await corral.stop();
  };
  const agent = (serverAddress: string[], secret: string, agentId: string) => {
    const client = new AgentClient({
      serverAddress,
      enrollmentSecret: secret,
      facts: { agentId },
      identityStore: new MemoryIdentityStore(),
      metrics,
      backoff: { baseMs: 50, capMs: 500 },
    });
    clients.push(client);
    const instances: string[] = [];
    client.on('connected', ({ serverAddress: address, serverInstance }) =>
      instances.push(`${serverInstance}@${address}`),
    );
    client.start();
    return { client, instances };
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.stop()));
    await Promise.all([...running].map((corral) => stop(corral)));
  });
  afterAll(async () => {
    await Promise.all([...running].map((corral) => corral.stop()));
  });

  it('keeps to the first instance, moves to the second when it goes away, and wraps around', async () => {
    const a = await start('rot-a');
    const b = await start('rot-b');
    const addressA = `127.0.0.1:${a.grpcPort}`;
    const addressB = `127.0.0.1:${b.grpcPort}`;
    const { secret } = await a.services.enrollment.create(admin, { name: 'rotation' });
    const { client, instances } = agent([addressA, addressB], secret, 'rot-agent-1');

    await until(() => expect(client.stats.heartbeatsAcked).toBeGreaterThanOrEqual(2));
    expect(instances).toEqual([`rot-a@${addressA}`]);
    expect(a.services.tracker.size).toBeGreaterThanOrEqual(1);

    // A stops (its streams are drained): the agent moves to B and its heartbeats are acked there.
    await stop(a);
    await until(() => expect(client.stats).toMatchObject({ connected: true, serverAddress: addressB }));
    expect(client.stats.drains).toBe(1);
    const ackedOnB = client.stats.heartbeatsAcked;
    await until(() => expect(client.stats.heartbeatsAcked).toBeGreaterThan(ackedOnB));
    expect((await b.services.agents.get('rot-agent-1')).status).toBe('online');

    // A comes back on its port and B goes away: the agent wraps around to A.
    const again = await start('rot-a2', a.grpcPort);
    await stop(b);
    await until(() => expect(client.stats).toMatchObject({ connected: true, serverAddress: addressA }));
    expect(instances).toEqual([`rot-a@${addressA}`, `rot-b@${addressB}`, `rot-a2@${addressA}`]);
    const ackedOnA = client.stats.heartbeatsAcked;
    await until(() => expect(client.stats.heartbeatsAcked).toBeGreaterThan(ackedOnA));
    expect(again.services.tracker.size).toBeGreaterThanOrEqual(1);
  });

  it('enrolls and authenticates through the next address when the first has no server', async () => {
    const b = await start('rot-b');
    const addressB = `127.0.0.1:${b.grpcPort}`;
    const { secret } = await b.services.enrollment.create(admin, { name: 'rotation-enroll' });
    const retried: string[] = [];
    const { client, instances } = agent([NOBODY, addressB], secret, 'rot-agent-2');
    client.on('retrying', ({ serverAddress }) => retried.push(serverAddress));

    await until(() => expect(client.stats.heartbeatsAcked).toBeGreaterThanOrEqual(1));
    expect(instances).toEqual([`rot-b@${addressB}`]);
    // The refused first address was left after one attempt, not retried in place.
    expect(retried[0]).toBe(addressB);
    expect((await b.services.agents.get('rot-agent-2')).status).toBe('online');
  });
});
