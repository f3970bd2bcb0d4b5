// Commands through the real processes: `corral serve`, the reference
// `corral agent`, the admin API and the CLI. A command is sent, run by the
// agent and followed to its end; after the server is killed with SIGKILL and
// restarted, a command created meanwhile still reaches the agent, and a
// command already finished is not run again.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  killAllProcesses,
  makeTempDir,
  REPO_ROOT,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ApiClient,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

interface CommandView {
  readonly id: string;
  readonly status: string;
  readonly deliveries: number;
  readonly result: unknown;
  readonly history: readonly { status: string }[];
}

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

async function send(client: ApiClient, body: unknown): Promise<string> {
  const response = await client.post<{ command: { id: string } }>('/api/v1/commands', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.command.id;
}

const commandOf = async (client: ApiClient, id: string): Promise<CommandView> => {
  const response = await client.get<CommandView>(`/api/v1/commands/${id}`);
  if (response.status !== 200) throw new Error(`GET command: ${response.status}`);
  return response.body;
};

const finished = (client: ApiClient, id: string, status = 'succeeded') =>
  waitFor(
    () => commandOf(client, id),
    (c) => c.status === status,
    { description: `command ${id} ${status}`, timeoutMs: 20_000 },
  );

describe('commands through the processes', () => {
  it('runs a command on the reference agent, survives a server SIGKILL, and never runs a command twice', async () => {
    const stateDir = makeTempDir('corral-cmd-agent-');
    const server = await startServerProcess({ env: { HEARTBEAT_FLUSH_INTERVAL: '100ms' } });
    let client = api(server);
    const secret = (await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'cmd-e2e' }))
      .body.secret;
    startAgentProcess([
      '--server',
      server.grpcAddress,
      '--enroll-secret',
      secret,
      '--state-dir',
      stateDir,
      '--agent-id',
      'cmd-agent',
      '--heartbeat-interval',
      '1s',
    ]);
    await waitFor(
      () => client.get<{ status: string }>('/api/v1/agents/cmd-agent'),
      (r) => r.status === 200 && r.body.status === 'online',
      { description: 'agent online' },
    );

    const status = await send(client, { type: 'status', target: { kind: 'agent', agentId: 'cmd-agent' } });
    const done = await finished(client, status);
    expect(done.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    expect(done.result).toMatchObject({ hostname: expect.any(String) });

    // The CLI follows a command to its end and prints it as JSON.
    const ping = await send(client, { type: 'ping', target: { kind: 'agent', agentId: 'cmd-agent' } });
    const watched = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'bin/corral.js'), 'commands', 'watch', ping, '--timeout', '20s', '-o', 'json'],
        { env: { ...process.env, CORRAL_API_URL: server.apiUrl, CORRAL_API_KEY: server.adminKey } },
        (error, stdout) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout }),
      ),
    );
    expect(watched.code).toBe(0);
    expect(JSON.parse(watched.stdout)).toMatchObject({ id: ping, status: 'succeeded' });

    // Kill the server outright; restart it on the same store. Nothing accepted is lost.
    await server.stop('SIGKILL');
    // Same store, same gRPC address (the agent reconnects there) and the same admin key.
    const restarted = await startServerProcess({
      dataDir: server.dataDir,
      env: {
        HEARTBEAT_FLUSH_INTERVAL: '100ms',
        GRPC_SERVER_ADDR: server.grpcAddress,
        ADMIN_API_KEY: server.adminKey,
      },
    });
    client = api(restarted);
    expect((await commandOf(client, status)).status).toBe('succeeded');
    const afterRestart = await send(client, {
      type: 'ping',
      target: { kind: 'agent', agentId: 'cmd-agent' },
    });
    // The agent reconnects to the same address on its own (backoff), and gets the new command.
    await finished(client, afterRestart);
    // Commands finished before the kill were not delivered again.
    expect((await commandOf(client, status)).deliveries).toBe(1);
    expect((await commandOf(client, ping)).deliveries).toBe(1);
  });
});
