// `corral serve` with BUS_URL=amqp://… on the real RabbitMQ: ready with the bus
// checked, events from admin API calls reach an outside durable consumer, and
// when the broker closes the server's connection the server reconnects and the
// events committed meanwhile still arrive (from the outbox).
import { afterAll, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../src/features/events/event.js';
import { AmqpEventBus } from '../../src/infra/bus/amqp/amqp-event-bus.js';
import {
  BrokerAdmin,
  TEST_AMQP_URL,
  closeConnectionsNamed,
  rabbitMqAvailable,
  uniqueName,
} from '../../src/infra/bus/amqp/rabbitmq.fixtures.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
} from '../support/server-process.js';
import { waitFor } from '../support/wait-for.js';

const available = await rabbitMqAvailable();

describe.skipIf(!available)('corral serve on RabbitMQ', () => {
  const exchange = uniqueName('events');
  const queue = uniqueName('e2e-consumer');
  const instanceId = uniqueName('instance').replace(/\./g, '-');
  let consumer: AmqpEventBus | undefined;

  afterAll(async () => {
    await consumer?.close();
    await killAllProcesses();
    removeTempDirs();
    const admin = await BrokerAdmin.open();
    await admin.deleteQueue(queue);
    await admin.deleteExchange(exchange);
    await admin.close();
  });

  it('publishes events to the exchange and survives losing its broker connection', async (context) => {
    context.onTestFailed(() => console.error(allOutputs()));
    const received: EventEnvelope[] = [];
    consumer = await AmqpEventBus.open({
      url: TEST_AMQP_URL,
      exchange,
      connectionName: uniqueName('consumer'),
    });
    await consumer.subscribeDurable(queue, 'group_*', (event) => void received.push(event));

    const server = await startServerProcess({
      env: { BUS_URL: TEST_AMQP_URL, BUS_EXCHANGE: exchange, INSTANCE_ID: instanceId },
    });
    const client = api(server);
    const ready = await client.get<{ checks: Record<string, string> }>('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'ok', cache: 'ok', bus: 'ok' });
    const status = await client.get<{ backends: { bus: string } }>('/api/v1/status');
    expect(status.body.backends.bus).toBe('amqp');

    const first = await client.post<{ id: string }>('/api/v1/groups', { name: 'edge', kind: 'static' });
    expect(first.status).toBe(201);
    const createdIds = () => received.filter((e) => e.type === 'group_created').map((e) => e.subject.id);
    await waitFor(
      async () => createdIds(),
      (ids) => ids.includes(first.body.id),
      {
        description: 'group_created for the first group at the consumer',
      },
    );

    expect(await closeConnectionsNamed(`corral ${instanceId}`)).toBe(1);
    const second = await client.post<{ id: string }>('/api/v1/groups', { name: 'core', kind: 'static' });
    expect(second.status).toBe(201);
    await waitFor(
      async () => createdIds(),
      (ids) => ids.includes(second.body.id),
      {
        description: 'group_created for the group created around the connection loss',
      },
    );
    await waitFor(
      async () => (await client.get('/readyz')).status,
      (code) => code === 200,
      {
        description: '/readyz ready again after the reconnect',
      },
    );
    expect(createdIds().filter((id) => id === first.body.id || id === second.body.id)).toHaveLength(2);
    expect(await server.stop()).toBe(0);
  });
});
