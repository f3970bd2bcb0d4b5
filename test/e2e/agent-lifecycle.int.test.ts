// End to end: `corral serve` and the reference `corral agent` as real processes.
// Covers the life of one agent as an operator sees it through the REST API:
// online with a health, offline then inactive after it dies, unchanged across a
// server restart (the store persists), and back online under the same identity
// (kept in its state dir) when it restarts; and a clean SIGTERM that ends the
// agent's session.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ApiClient,
  type ServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

const SERVER_ENV = { MAX_INACTIVE_TIME: '3s', AGENT_TIMEOUT: '2s', HEARTBEAT_INTERVAL: '1s' };

interface AgentView {
  readonly id: string;
  readonly name: string;
  readonly status: 'online' | 'offline' | 'inactive' | 'decommissioned';
  readonly health: 'unknown' | 'healthy' | 'degraded' | 'unhealthy';
  readonly lastSeenAt: string | null;
}

interface Page<T> {
  readonly items: T[];
  readonly nextPageToken?: string;
}

async function createSecret(client: ApiClient): Promise<string> {
  const created = await client.post<{ secret: string }>('/api/v1/enrollment-secrets', {
    name: 'e2e',
    maxUses: 10,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.secret;
}

/** The agent as the admin API shows it; throws (so waitFor retries) until it exists. */
async function getAgent(client: ApiClient, id: string): Promise<AgentView> {
  const response = await client.get<AgentView>(`/api/v1/agents/${encodeURIComponent(id)}`);
  if (response.status !== 200)
    throw new Error(`GET agent: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

function waitForAgent(
  client: ApiClient,
  id: string,
  description: string,
  accept: (agent: AgentView) => boolean,
  timeoutMs = 20_000,
): Promise<AgentView> {
  return waitFor(() => getAgent(client, id), accept, {
    description: `agent ${id} ${description}`,
    timeoutMs,
  });
}

async function listSessions(client: ApiClient, agentId: string): Promise<unknown[]> {
  const response = await client.get<Page<unknown>>(`/api/v1/sessions?agentId=${encodeURIComponent(agentId)}`);
  if (response.status !== 200) {
    throw new Error(`GET sessions: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body.items;
}

function agentArgs(server: ServerProcess, secret: string, stateDir: string, agentId: string): string[] {
  return [
    '--server',
    server.grpcAddress,
    '--enroll-secret',
    secret,
    '--state-dir',
    stateDir,
    '--agent-id',
    agentId,
    '--name',
    agentId,
    '--heartbeat-interval',
    '1s',
  ];
}

const newAgentId = (): string => `e2e-${randomBytes(5).toString('hex')}`;

describe('agent lifecycle with real processes', () => {
  afterAll(async () => {
    await killAllProcesses();
    removeTempDirs();
  });

  it('goes online, offline, inactive; survives a server restart; returns with the same identity', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(allOutputs()));
    const first = await startServerProcess({ env: SERVER_ENV });
    let client = api(first);
    const secret = await createSecret(client);
    const stateDir = makeTempDir('corral-agent-');
    const agentId = newAgentId();

    const agent = startAgentProcess(agentArgs(first, secret, stateDir, agentId));
    const online = await waitForAgent(
      client,
      agentId,
      'online with a known health',
      (view) => view.status === 'online' && view.health !== 'unknown',
    );
    expect(online.lastSeenAt).toEqual(expect.any(String));

    expect(await agent.stop('SIGKILL')).toBeNull();
    // The first status after "online" must be "offline": AGENT_TIMEOUT (2s) is shorter than
    // MAX_INACTIVE_TIME (3s), so an agent that went silent is offline before it is inactive.
    const afterDeath = await waitForAgent(
      client,
      agentId,
      'no longer online',
      (view) => view.status !== 'online',
    );
    expect(afterDeath.status).toBe('offline');
    await waitForAgent(client, agentId, 'inactive', (view) => view.status === 'inactive');

    expect(await first.stop('SIGTERM')).toBe(0);
    const second = await startServerProcess({ env: SERVER_ENV, dataDir: first.dataDir });
    client = api(second);
    const afterRestart = await getAgent(client, agentId);
    expect(afterRestart.status).toBe('inactive');
    expect(afterRestart.name).toBe(agentId);

    const revived = startAgentProcess(agentArgs(second, secret, stateDir, agentId));
    await waitForAgent(
      client,
      agentId,
      'back online after the restart',
      (view) => view.status === 'online' && view.health !== 'unknown',
    );
    const listed = await client.get<Page<AgentView>>('/api/v1/agents');
    expect(listed.status).toBe(200);
    expect(listed.body.items.filter((item) => item.name === agentId).map((item) => item.id)).toEqual([
      agentId,
    ]);

    expect(await revived.stop('SIGTERM')).toBe(0);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 180_000);

  it('an agent stopped with SIGTERM exits 0 and ends its session', async ({ onTestFailed }) => {
    onTestFailed(() => console.error(allOutputs()));
    const server = await startServerProcess({ env: SERVER_ENV });
    const client = api(server);
    const secret = await createSecret(client);
    const agentId = newAgentId();

    const agent = startAgentProcess(agentArgs(server, secret, makeTempDir('corral-agent-'), agentId));
    await waitForAgent(client, agentId, 'online', (view) => view.status === 'online');
    await waitFor(
      () => listSessions(client, agentId),
      (items) => items.length > 0,
      { description: `a session for ${agentId}` },
    );

    expect(await agent.stop('SIGTERM')).toBe(0);
    expect(await listSessions(client, agentId)).toEqual([]);

    expect(await server.stop('SIGTERM')).toBe(0);
  }, 120_000);
});
