// The agent against the real Corral server, started in-process: enrollment,
// heartbeats making the agent online, a drain on server restart followed by a
// reconnect, and a clean stop once the agent is unregistered.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningCorral } from '../app/corral.js';
import { startCorral } from '../app/corral.js';
import { loadSettings } from '../config/settings-loader.js';
import type { RequestContext } from '../features/audit/audited.js';
import { SYSTEM_PRINCIPAL } from '../features/api-keys/api-key.js';
import { silentLogger } from '../shared/logger.js';
import { isRefusal } from './agent-errors.js';
import { AgentClient } from './agent-client.js';
import { FileIdentityStore } from './identity-store.js';
import { startReferenceAgent } from './reference-agent.js';

const until = (assertion: () => void | Promise<void>): Promise<void> =>
  vi.waitFor(assertion, { timeout: 15_000, interval: 20 });

const admin: RequestContext = { principal: SYSTEM_PRINCIPAL, requestId: null };

describe('agent against a real Corral server', () => {
  let dir: string;
  let corral: RunningCorral | undefined;
  let client: AgentClient | undefined;

  const start = (grpcPort = 0) =>
    startCorral(
      loadSettings({
        env: {
          GRPC_SERVER_ADDR: `127.0.0.1:${grpcPort}`,
          ADMIN_API_ADDR: '127.0.0.1:0',
          METRICS_ADDR: '127.0.0.1:0',
          STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
          HEARTBEAT_INTERVAL: '200ms',
          HEARTBEAT_FLUSH_INTERVAL: '50ms',
          SHUTDOWN_DRAIN_TIMEOUT: '1s',
          LOG_LEVEL: 'silent',
        },
      }),
      silentLogger,
    );

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-agent-int-'));
    corral = await start();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await corral?.stop();
    corral = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const agentStatus = async (id: string) => (await corral!.services.agents.get(id)).status;

  it('enrolls, streams heartbeats, goes online, and reconnects after a drain', async () => {
    const { secret } = await corral!.services.enrollment.create(admin, { name: 'agent-int' });
    const store = new FileIdentityStore(join(dir, 'state'));
    const grpcPort = corral!.grpcPort;
    client = new AgentClient({
      serverAddress: `127.0.0.1:${grpcPort}`,
      enrollmentSecret: secret,
      facts: {
        agentId: 'int-1',
        name: 'int 1',
        type: 'blocking',
        capabilities: ['block'],
        labels: { site: 'lab' },
      },
      identityStore: store,
      metrics: () => ({
        cpuPercent: 10,
        memoryPercent: 20,
        memoryRssBytes: 1_000_000,
        load1: 0.1,
        uptimeSeconds: 1,
      }),
      backoff: { baseMs: 50, capMs: 500 },
    });
    client.start();
    await until(() => expect(client!.stats.heartbeatsAcked).toBeGreaterThanOrEqual(2));
    await until(async () => expect(await agentStatus('int-1')).toBe('online'));
    const stored = await store.load();
    expect(stored).toMatchObject({ agentId: 'int-1', serverAddress: `127.0.0.1:${grpcPort}` });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(await corral!.services.agents.get('int-1')).toMatchObject({
      type: 'blocking',
      labels: { site: 'lab' },
    });

    // A server restart drains every stream; the agent comes back to the new instance.
    await corral!.stop();
    corral = await start(grpcPort);
    await until(() => expect(client!.stats).toMatchObject({ drains: 1, connects: 2, connected: true }));
    const acked = client.stats.heartbeatsAcked;
    await until(() => expect(client!.stats.heartbeatsAcked).toBeGreaterThan(acked));
    await until(async () => expect(await agentStatus('int-1')).toBe('online'));
  });

  it('the reference agent stops with a clear error once unregistered', async () => {
    const { secret } = await corral!.services.enrollment.create(admin, { name: 'reference' });
    const agent = startReferenceAgent(
      {
        serverAddress: `127.0.0.1:${corral!.grpcPort}`,
        enrollmentSecret: secret,
        stateDir: join(dir, 'reference'),
        facts: { agentId: 'ref-1' },
        tls: false,
      },
      silentLogger,
    );
    try {
      await until(() => expect(agent.client.stats.heartbeatsAcked).toBeGreaterThanOrEqual(1));
      await corral!.services.agents.unregister(admin, 'ref-1');
      const result = await agent.stopped;
      expect(result.failed).toBe(true);
      expect(result.failed && isRefusal(result.error)).toBe(true);
      expect(result.failed && result.error.message).toMatch(/refused the credential of agent "ref-1"/);
    } finally {
      await agent.stop();
    }
  });
});
