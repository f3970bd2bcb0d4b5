// One of three `corral serve` instances killed with SIGKILL mid-load, on
// PostgreSQL (a schema of this test's own), Redis (a key prefix of its own)
// and RabbitMQ (exchanges of its own). Six reference agents (`corral agent`
// processes) are spread two per instance, each given all three addresses
// (`--server a,b,c`, its own instance first), so when their instance dies they
// move to a survivor. Every request goes through instance 1, which is never
// killed; instance 3 is killed while commands are out on its agents. Every
// accepted command must end succeeded with a legal history and have run
// exactly once (each agent logs `command finished` with the id, at debug
// level, for every command it ran); the outbox must drain and every committed
// event reach an outside durable consumer (EventTally), whose events must
// retell each command's history.
import { afterAll, expect, it } from 'vitest';
import { EventTally } from '../../src/infra/bus/amqp/event-tally.fixtures.js';
import {
  BrokerAdmin,
  rabbitMqAvailable,
  TEST_AMQP_URL,
  uniqueName,
} from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import { describeWithRedis, REDIS_TEST_URL, TestRedis } from '../../src/infra/redis/test-redis.fixtures.js';
import {
  describeOnPostgres,
  dropTestSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
} from '../../src/infra/store/sql/test-databases.fixtures.js';
import {
  CommandLoad,
  commandStats,
  ExecutionCounts,
  expectEveryCommandOnce,
  mixedRequests,
  waitUntilAllTerminal,
  type CommandView,
} from '../support/command-load.js';
import { expectLifecyclesDelivered, expectNoEventLost } from '../support/event-checks.js';
import { sharedBackendsEnv, startInstances } from '../support/instances.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  type ApiClient,
  type ManagedProcess,
  type ServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

interface StatusJson {
  readonly instances: readonly { instanceId: string; agents: number }[];
}

const REQUESTS = 700;
const amqpUp = await rabbitMqAvailable();
const redis = new TestRedis();
const schema = newTestSchemaName();
const exchanges = [uniqueName('events'), uniqueName('instances')] as const;
let tally: EventTally | undefined;

afterAll(async () => {
  await killAllProcesses();
  await tally?.close();
  removeTempDirs();
  await redis.cleanup();
  await dropTestSchema(schema);
  if (amqpUp) {
    const admin = await BrokerAdmin.open();
    for (const exchange of exchanges) await admin.deleteExchange(exchange);
    await admin.close();
  }
});

/** The ids of the commands an agent process ran, from its `command finished` log lines. */
function executionsLogged(output: string): string[] {
  const ids: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"command finished"')) continue;
    const entry = JSON.parse(line) as { msg?: string; commandId?: string };
    if (entry.msg === 'command finished' && entry.commandId !== undefined) ids.push(entry.commandId);
  }
  return ids;
}

const instancesSeen = async (client: ApiClient): Promise<string> => {
  const response = await client.get<StatusJson>('/api/status');
  if (response.status !== 200) throw new Error(`GET /api/status: HTTP ${response.status}`);
  return response.body.instances.map((i) => `${i.instanceId}:${i.agents}`).join(' ');
};

const outOn = async (client: ApiClient, agentIds: readonly string[]): Promise<number> => {
  let out = 0;
  for (const agentId of agentIds) {
    const page = await client.get<{ items: CommandView[] }>(
      `/api/v1/commands?agentId=${agentId}&status=dispatched,acknowledged,running&pageSize=100`,
    );
    out += page.body.items.length;
  }
  return out;
};

await describeWithRedis('an instance killed under load', () => {
  describeOnPostgres('three instances on PostgreSQL, Redis and RabbitMQ', () => {
    it.runIf(amqpUp)(
      'moves the killed instance’s agents to the survivors and loses no command and no event',
      { timeout: 180_000 },
      async ({ onTestFailed }) => {
        onTestFailed(() => console.error(allOutputs()));
        const [events, instanceExchange] = exchanges;
        tally = await EventTally.open({ url: TEST_AMQP_URL, exchange: events });
        const backends = {
          storeUrl: postgresUrlWithSchema(schema),
          cacheUrl: REDIS_TEST_URL,
          cacheKeyPrefix: redis.prefix,
          busUrl: TEST_AMQP_URL,
          eventExchange: events,
          instanceExchange,
        };
        const servers = await startInstances(
          ['ki-1', 'ki-2', 'ki-3'],
          sharedBackendsEnv(backends, {
            API_RATE_LIMIT: '1000000',
            // The dead instance leaves /api/status when its entry expires.
            PRESENCE_TTL: '6s',
            SHUTDOWN_DRAIN_TIMEOUT: '1s',
          }),
        );
        const [first, second, third] = servers as [ServerProcess, ServerProcess, ServerProcess];
        const client = api(first);
        const secret = (
          await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'instance-kill' })
        ).body.secret;

        // Two agents per instance; each lists its own instance first, the others after (the two on
        // instance 3 in different orders, so one moves to each survivor).
        const orders: Record<string, ServerProcess[]> = {
          'ki-agent-1a': [first, second, third],
          'ki-agent-1b': [first, third, second],
          'ki-agent-2a': [second, third, first],
          'ki-agent-2b': [second, first, third],
          'ki-agent-3a': [third, first, second],
          'ki-agent-3b': [third, second, first],
        };
        const agentIds = Object.keys(orders);
        const agents = new Map<string, ManagedProcess>();
        for (const [agentId, order] of Object.entries(orders)) {
          agents.set(
            agentId,
            startAgentProcess([
              '--server',
              order.map((server) => server.grpcAddress).join(','),
              '--enroll-secret',
              secret,
              '--state-dir',
              makeTempDir('corral-ki-agent-'),
              '--agent-id',
              agentId,
              '--heartbeat-interval',
              '1s',
              '--max-concurrent-commands',
              '2',
              '--added-latency',
              '60ms',
              '--log-level',
              'debug',
            ]),
          );
        }
        await waitFor(
          () => instancesSeen(client),
          (seen) => seen === 'ki-1:2 ki-2:2 ki-3:2',
          { description: 'two agents on each instance', timeoutMs: 30_000 },
        );

        const load = new CommandLoad(client, mixedRequests(agentIds, 'kill'), 4);
        const loadDone = load.run(0, REQUESTS);
        const onThird = ['ki-agent-3a', 'ki-agent-3b'];
        const atKill = await waitFor(
          async () => ({
            succeeded: (await commandStats(client)).byStatus.succeeded ?? 0,
            out: await outOn(client, onThird),
          }),
          (s) => s.succeeded >= 150 && s.out >= 2,
          {
            description: 'commands finished, and out on the agents of instance 3',
            timeoutMs: 60_000,
            intervalMs: 50,
          },
        );
        const acceptedAtKill = load.accepted.size;
        const killedAt = Date.now();
        await third.stop('SIGKILL');

        // Its agents move to the survivors; its presence entry expires.
        await waitFor(
          () => instancesSeen(client),
          (seen) => seen === 'ki-1:3 ki-2:3',
          { description: 'the six agents on the two survivors, three each', timeoutMs: 60_000 },
        );
        const movedAfterMs = Date.now() - killedAt;
        await loadDone;
        expect(load.accepted.size - acceptedAtKill, 'commands accepted after the kill').toBeGreaterThan(100);

        await waitUntilAllTerminal(client, 90_000);
        const runs = new ExecutionCounts();
        for (const [agentId, agent] of agents)
          for (const commandId of executionsLogged(agent.output())) runs.record(agentId, commandId);
        const views = await expectEveryCommandOnce(
          client,
          load,
          runs,
          `${acceptedAtKill} accepted at the kill, ${atKill.out} out on instance 3's agents`,
        );
        const verdict = await expectNoEventLost(tally, schema);
        expectLifecyclesDelivered(tally, views, load.accepted.keys());
        const redelivered = [...views.values()].filter((view) => view.deliveries >= 2).length;
        console.info(
          `instance SIGKILL under load: ${JSON.stringify({
            accepted: load.accepted.size,
            acceptedAtKill,
            outOnKilledInstanceAgents: atKill.out,
            redelivered,
            movedAfterMs,
            events: verdict,
          })}`,
        );
      },
    );
  });
});
