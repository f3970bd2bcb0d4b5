// A RabbitMQ restart under load: two `corral serve` instances on PostgreSQL
// (a schema of this test's own), the shared Redis (a key prefix of its own)
// and a RabbitMQ node of this test's own (PrivateRabbitMqNode: the shared
// broker is never restarted, other test files use it at the same time). An
// outside consumer (EventTally) holds a durable queue on that node, bound to
// the instances' event exchange before the load starts. While commands flow,
// the node is stopped as an operator would and started again on its data
// directory; the scenario (test/support/outage-scenario.ts) checks readiness,
// every accepted command, and that no committed event was lost.
import { afterAll, expect, it } from 'vitest';
import { EventTally } from '../../src/infra/bus/amqp/event-tally.fixtures.js';
import {
  hasRabbitMqServer,
  PrivateRabbitMqNode,
  RABBITMQ_SERVER_SCRIPT,
} from '../../src/infra/bus/amqp/private-rabbitmq-node.fixtures.js';
import { uniqueName } from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import { describeWithRedis, REDIS_TEST_URL, TestRedis } from '../../src/infra/redis/test-redis.fixtures.js';
import {
  describeOnPostgres,
  dropTestSchema,
  newTestSchemaName,
  postgresUrlWithSchema,
} from '../../src/infra/store/sql/test-databases.fixtures.js';
import { CountingAgents } from '../support/counting-agents.js';
import { runOutageUnderLoad } from '../support/outage-scenario.js';
import { allOutputs, killAllProcesses, removeTempDirs } from '../support/server-process.js';

const redis = new TestRedis();
const schema = newTestSchemaName();
const agents = new CountingAgents();
let node: PrivateRabbitMqNode | undefined;
let tally: EventTally | undefined;

afterAll(async () => {
  await agents.stopAll();
  await killAllProcesses();
  await tally?.close();
  await node?.dispose();
  removeTempDirs();
  await redis.cleanup();
  await dropTestSchema(schema);
});

if (!hasRabbitMqServer()) {
  const problem = `no RabbitMQ server script at ${RABBITMQ_SERVER_SCRIPT} (RABBITMQ_SERVER_SCRIPT overrides)`;
  if (process.env.CI) throw new Error(`${problem}: CI needs it to run a private broker`);
  console.warn(`\n${'!'.repeat(78)}\n${problem}.\nSKIPPING the broker restart test.\n${'!'.repeat(78)}\n`);
}

await describeWithRedis('a broker restart under load', () => {
  describeOnPostgres('two instances on PostgreSQL, Redis and a private RabbitMQ node', () => {
    it.runIf(hasRabbitMqServer())(
      'keeps every accepted command and every event through a RabbitMQ restart',
      { timeout: 180_000 },
      async ({ onTestFailed }) => {
        onTestFailed(() => console.error(`${allOutputs()}\n----- rabbitmq -----\n${node?.recentOutput()}`));
        node = await PrivateRabbitMqNode.start();
        const exchange = uniqueName('events');
        tally = await EventTally.open({ url: node.url, exchange });
        const broker = node;
        const figures = await runOutageUnderLoad({
          what: 'the broker',
          instancePrefix: 'broker-restart',
          schema,
          env: {
            STORE_URL: postgresUrlWithSchema(schema),
            CACHE_URL: REDIS_TEST_URL,
            CACHE_KEY_PREFIX: redis.prefix,
            BUS_URL: broker.url,
            BUS_EXCHANGE: exchange,
            BUS_INSTANCE_EXCHANGE: uniqueName('instances'),
            HEARTBEAT_FLUSH_INTERVAL: '100ms',
            API_RATE_LIMIT: '1000000',
            SHUTDOWN_DRAIN_TIMEOUT: '1s',
          },
          tally,
          agents,
          goDown: () => broker.stop(),
          comeBack: () => broker.start(),
        });
        console.info(`broker restart under load: ${JSON.stringify(figures)}`);
        // The consumer's own connection went down with the broker and came back.
        expect(tally.reconnects).toBeGreaterThanOrEqual(1);
        expect(figures.acceptedDuringOutage).toBeGreaterThanOrEqual(60);
      },
    );
  });
});
