// A Redis restart under load: two `corral serve` instances on PostgreSQL (a
// schema of this test's own), the shared RabbitMQ (exchanges of this test's
// own) and a Redis server of this test's own, without persistence
// (PrivateRedisServer: the shared Redis is never restarted, other test files
// use it at the same time). While commands flow, Redis is killed and started
// again empty: presence, the leader lease, cached sessions and rate-limit
// buckets are all gone. An outside consumer (EventTally) holds a durable queue
// bound to the instances' event exchange from before the load; the scenario
// (test/support/outage-scenario.ts) checks readiness, every accepted command,
// and that no committed event was lost.
import { afterAll, expect, it } from 'vitest';
import { EventTally } from '../../src/infra/bus/amqp/event-tally.fixtures.js';
import {
  BrokerAdmin,
  rabbitMqAvailable,
  TEST_AMQP_URL,
  uniqueName,
} from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import { PrivateRedisServer } from '../../src/infra/redis/private-redis-server.fixtures.js';
import { describeWithRedis, testPrefix } from '../../src/infra/redis/test-redis.fixtures.js';
import {
  describeOnPostgres,
  dropTestSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
} from '../../src/infra/store/sql/test-databases.fixtures.js';
import { CountingAgents } from '../support/counting-agents.js';
import { runOutageUnderLoad } from '../support/outage-scenario.js';
import { allOutputs, killAllProcesses, removeTempDirs } from '../support/server-process.js';

const amqpUp = await rabbitMqAvailable();
const schema = newTestSchemaName();
const exchanges = [uniqueName('events'), uniqueName('instances')] as const;
const agents = new CountingAgents();
let redis: PrivateRedisServer | undefined;
let tally: EventTally | undefined;

afterAll(async () => {
  await agents.stopAll();
  await killAllProcesses();
  await tally?.close();
  await redis?.dispose();
  removeTempDirs();
  await dropTestSchema(schema);
  if (amqpUp) {
    const admin = await BrokerAdmin.open();
    for (const exchange of exchanges) await admin.deleteExchange(exchange);
    await admin.close();
  }
});

await describeWithRedis(
  'a Redis restart under load',
  () => {
    describeOnPostgres('two instances on PostgreSQL, RabbitMQ and a private Redis', () => {
      it.runIf(amqpUp)(
        'keeps every accepted command and every event through a Redis restart that loses every key',
        { timeout: 180_000 },
        async ({ onTestFailed }) => {
          onTestFailed(() => console.error(allOutputs()));
          const [events, instances] = exchanges;
          tally = await EventTally.open({ url: TEST_AMQP_URL, exchange: events });
          redis = await PrivateRedisServer.start();
          const server = redis;
          const figures = await runOutageUnderLoad({
            what: 'Redis',
            instancePrefix: 'redis-restart',
            schema,
            env: {
              STORE_URL: postgresUrlWithSchema(schema),
              CACHE_URL: server.url,
              CACHE_KEY_PREFIX: testPrefix(),
              BUS_URL: TEST_AMQP_URL,
              BUS_EXCHANGE: events,
              BUS_INSTANCE_EXCHANGE: instances,
              HEARTBEAT_FLUSH_INTERVAL: '100ms',
              API_RATE_LIMIT: '1000000',
              SHUTDOWN_DRAIN_TIMEOUT: '1s',
            },
            tally,
            agents,
            goDown: () => server.kill(),
            comeBack: () => server.start(),
          });
          console.info(`Redis restart under load: ${JSON.stringify(figures)}`);
          expect(figures.acceptedDuringOutage).toBeGreaterThanOrEqual(60);
        },
      );
    });
  },
  { needsServerBinary: true },
);
