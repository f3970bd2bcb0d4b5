// Three `corral serve` processes sharing PostgreSQL (a schema of this test's
// own), Redis (a key prefix of its own) and RabbitMQ (exchanges of its own),
// each with its own INSTANCE_ID, and reference agents connected to instances 2
// and 3. Through instance 1 only: /api/status lists all three instances with
// their agents, commands for the agents on 2 and 3 reach `succeeded`, a
// capability command is placed on an agent held elsewhere, and a fleet
// configuration change is applied by the agent on instance 3 (ADR 0017).
// Skipped loudly when a backend is down, except under CI, where that fails.
import { afterAll, expect, it } from 'vitest';
import { rabbitMqAvailable, TEST_AMQP_URL, uniqueName } from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import { describeWithRedis, REDIS_TEST_URL, TestRedis } from '../../src/infra/redis/test-redis.fixtures.js';
import {
  describeOnPostgres,
  dropTestSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
} from '../../src/infra/store/sql/test-databases.fixtures.js';
import { runCorral } from '../../src/cli/run-corral.fixtures.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  type ApiClient,
  type ServerProcess,
} from '../support/server-process.js';
import { sharedBackendsEnv, startInstances } from '../support/instances.js';
import { waitFor } from '../support/wait-for.js';

interface StatusJson {
  readonly instanceId: string;
  readonly instances: readonly { instanceId: string; agents: number }[];
}
interface CommandJson {
  readonly id: string;
  readonly status: string;
  readonly agentId: string | null;
  readonly history: readonly { status: string }[];
}
interface AgentConfigurationJson {
  readonly desired: { readonly digest: string; readonly configuration: { logLevel: string } };
  readonly applied: {
    readonly configuration: { readonly appliedDigest: string | null };
    readonly compliance: string;
  } | null;
}

const getJson = async <T>(client: ApiClient, path: string): Promise<T> => {
  const response = await client.get<T>(path);
  if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
  return response.body;
};

const redis = new TestRedis();
const amqpUp = await rabbitMqAvailable();
const schema = newTestSchemaName();

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
  await redis.cleanup();
  await dropTestSchema(schema);
});

await describeWithRedis('several corral serve instances on PostgreSQL, Redis and RabbitMQ', () => {
  describeOnPostgres('three instances', () => {
    (amqpUp ? it : it.skip)(
      'routes commands and configuration from instance 1 to agents held by instances 2 and 3',
      async ({ onTestFailed }) => {
        onTestFailed(() => console.error(allOutputs()));
        const shared = sharedBackendsEnv(
          {
            storeUrl: postgresUrlWithSchema(schema),
            cacheUrl: REDIS_TEST_URL,
            cacheKeyPrefix: redis.prefix,
            busUrl: TEST_AMQP_URL,
            eventExchange: uniqueName('events'),
            instanceExchange: uniqueName('instances'),
          },
          {
            // The agents report this (shared, busy) machine's CPU: placement must not wait for it to calm down.
            MAX_AGENT_LOAD: '1',
            SHUTDOWN_DRAIN_TIMEOUT: '1s',
            LOG_LEVEL: 'warn',
          },
        );
        // The first start migrates the schema; the others share it and its admin key.
        const [first, second, third] = (await startInstances(['mi-1', 'mi-2', 'mi-3'], shared)) as [
          ServerProcess,
          ServerProcess,
          ServerProcess,
        ];
        const client = api(first);
        const secret = (
          await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'multi-instance' })
        ).body.secret;
        const agent = (server: ServerProcess, agentId: string) =>
          startAgentProcess([
            '--server',
            server.grpcAddress,
            '--enroll-secret',
            secret,
            '--state-dir',
            makeTempDir('corral-mi-agent-'),
            '--agent-id',
            agentId,
            '--heartbeat-interval',
            '1s',
            '--capabilities',
            'status',
          ]);
        agent(second, 'mi-agent-2');
        agent(third, 'mi-agent-3');

        // Presence: every instance is listed, with the agent each holds, as seen from instance 1.
        const status = await waitFor(
          () => getJson<StatusJson>(client, '/api/status'),
          (s) =>
            JSON.stringify(s.instances.map((i) => [i.instanceId, i.agents])) ===
            JSON.stringify([
              ['mi-1', 0],
              ['mi-2', 1],
              ['mi-3', 1],
            ]),
          { description: 'three instances, the agents on mi-2 and mi-3', timeoutMs: 30_000 },
        );
        expect(status.instanceId).toBe('mi-1');

        // Commands created on instance 1 for agents it does not hold run on their instances.
        const created: string[] = [];
        for (const agentId of ['mi-agent-2', 'mi-agent-3', 'mi-agent-2', 'mi-agent-3']) {
          const response = await client.post<{ command: { id: string } }>('/api/v1/commands', {
            type: 'status',
            target: { kind: 'agent', agentId },
          });
          expect(response.status, JSON.stringify(response.body)).toBe(201);
          created.push(response.body.command.id);
        }
        for (const id of created) {
          const done = await waitFor(
            () => getJson<CommandJson>(client, `/api/v1/commands/${id}`),
            (c) => c.status === 'succeeded',
            { description: `command ${id} to succeed`, timeoutMs: 30_000 },
          );
          expect(done.history.map((h) => h.status)).toEqual([
            'queued',
            'scheduled',
            'dispatched',
            'acknowledged',
            'running',
            'succeeded',
          ]);
        }

        // A capability command from instance 1 (which holds no agent) is placed by the others.
        const capability = await client.post<{ command: { id: string } }>('/api/v1/commands', {
          type: 'status',
          target: { kind: 'capability', capability: 'status', count: 2 },
        });
        expect(capability.status, JSON.stringify(capability.body)).toBe(201);
        const children = await waitFor(
          () =>
            getJson<{ items: CommandJson[] }>(
              client,
              `/api/v1/commands?parentId=${capability.body.command.id}`,
            ),
          (page) => page.items.length === 2 && page.items.every((c) => c.status === 'succeeded'),
          { description: 'both capability children to succeed', timeoutMs: 30_000 },
        );
        expect(children.items.map((c) => c.agentId).sort()).toEqual(['mi-agent-2', 'mi-agent-3']);

        // A fleet configuration change made on instance 1 is applied by the agent on instance 3.
        const set = await runCorral(['config', 'set', '--fleet', '--set', 'logLevel=debug', '-o', 'json'], {
          CORRAL_API_URL: first.apiUrl,
          CORRAL_API_KEY: first.adminKey,
        });
        expect(set.code, set.stderr).toBe(0);
        await waitFor(
          () => getJson<AgentConfigurationJson>(client, '/api/v1/agents/mi-agent-3/configuration'),
          (c) =>
            c.desired.configuration.logLevel === 'debug' &&
            c.applied?.configuration.appliedDigest === c.desired.digest &&
            c.applied.compliance === 'compliant',
          { description: 'mi-agent-3 to apply logLevel=debug', timeoutMs: 30_000, intervalMs: 250 },
        );
      },
      180_000,
    );
  });
});
