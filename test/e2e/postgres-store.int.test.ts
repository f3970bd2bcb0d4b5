// End to end on PostgreSQL: `corral serve` with STORE_URL=postgres://…?schema=…
// (a schema of this test's own, dropped afterwards) and the reference
// `corral agent`. The agent enrolls, connects and heartbeats, a command runs
// to success, and all of it is read back from PostgreSQL itself; a restarted
// server on the same schema finds it all again. Skipped with a warning when
// PostgreSQL is unreachable, failed under CI (test-databases.fixtures.ts).
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import {
  describeOnPostgres,
  dropTestSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
  TEST_POSTGRES_URL,
} from '../../src/infra/store/sql/test-databases.fixtures.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ApiClient,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

interface AgentView {
  readonly status: string;
  readonly lastSeenAt: string | null;
  readonly lastHeartbeat: { readonly sequence: number } | null;
}

interface CommandView {
  readonly status: string;
  readonly history: readonly { status: string }[];
}

async function rows<R extends pg.QueryResultRow>(text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

const getJson = async <T>(client: ApiClient, path: string): Promise<T> => {
  const response = await client.get<T>(path);
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.body;
};

describeOnPostgres('corral serve on PostgreSQL', () => {
  const schema = newTestSchemaName();
  afterAll(async () => {
    await killAllProcesses();
    removeTempDirs();
    await dropTestSchema(schema);
  });

  it('enrolls, connects, heartbeats and runs a command, all stored in PostgreSQL', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.error(allOutputs()));
    const env = {
      STORE_URL: postgresUrlWithSchema(schema),
      HEARTBEAT_FLUSH_INTERVAL: '100ms',
      SHUTDOWN_DRAIN_TIMEOUT: '1s',
    };
    const server = await startServerProcess({ env });
    let client = api(server);
    const status = await getJson<{ backends: { store: string } }>(client, '/api/status');
    expect(status.backends.store).toBe('postgres');

    const secret = (await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'pg-e2e' }))
      .body.secret;
    startAgentProcess([
      '--server',
      server.grpcAddress,
      '--enroll-secret',
      secret,
      '--state-dir',
      makeTempDir('corral-pg-agent-'),
      '--agent-id',
      'pg-agent',
      '--heartbeat-interval',
      '1s',
    ]);
    // Two heartbeats stored: the agent is connected and its stream flows.
    await waitFor(
      () => getJson<AgentView>(client, '/api/v1/agents/pg-agent'),
      (a) => a.status === 'online' && (a.lastHeartbeat?.sequence ?? 0) >= 2,
      { description: 'pg-agent online with two heartbeats' },
    );
    await waitFor(
      () =>
        rows<{ status: string; last_seen_at: string | null }>(
          `select status, last_seen_at from "${schema}".agents where id = 'pg-agent'`,
        ),
      (found) => found[0]?.status === 'online' && found[0].last_seen_at !== null,
      { description: 'the agent row in PostgreSQL online and seen' },
    );

    const created = await client.post<{ command: { id: string } }>('/api/v1/commands', {
      type: 'status',
      target: { kind: 'agent', agentId: 'pg-agent' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.command.id;
    const done = await waitFor(
      () => getJson<CommandView>(client, `/api/v1/commands/${id}`),
      (c) => c.status === 'succeeded',
      { description: `command ${id} succeeded` },
    );
    expect(done.history.map((h) => h.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    expect(await rows(`select status from "${schema}".commands where id = '${id}'`)).toEqual([
      { status: 'succeeded' },
    ]);
    const events = await rows<{ type: string }>(
      `select distinct type from "${schema}".events where type in ('agent_registered', 'command_created')`,
    );
    expect(events.map((e) => e.type).sort()).toEqual(['agent_registered', 'command_created']);

    // A second start on the same schema migrates nothing and reads the same state.
    expect(await server.stop()).toBe(0);
    const restarted = await startServerProcess({ env: { ...env, ADMIN_API_KEY: server.adminKey } });
    client = api(restarted);
    expect((await getJson<CommandView>(client, `/api/v1/commands/${id}`)).status).toBe('succeeded');
  });
});
