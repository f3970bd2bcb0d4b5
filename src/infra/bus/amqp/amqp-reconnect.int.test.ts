// The AMQP bus losing its connection on the real RabbitMQ: the broker closes
// this bus's own connection (found by its connection_name), the bus reconnects
// with backoff, its subscriptions resume, publishes during the outage reject
// rather than hang, and nothing the broker confirmed is lost.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { testEvent } from '../event-bus.contract.js';
import { AmqpEventBus, type AmqpEventBusOptions } from './amqp-event-bus.js';
import {
  BrokerAdmin,
  TEST_AMQP_URL,
  closeConnectionsNamed,
  rabbitMqAvailable,
  uniqueName,
} from './rabbitmq.fixtures.js';

const available = await rabbitMqAvailable();
const eventually = <T>(assertion: () => T | Promise<T>, timeout = 15_000) =>
  vi.waitFor(assertion, { timeout, interval: 20 });

describe.skipIf(!available)('AmqpEventBus connection loss', () => {
  let admin: BrokerAdmin;
  const cleanUp: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    admin = await BrokerAdmin.open();
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    for (const step of cleanUp.splice(0).reverse()) await step();
  });

  const openBus = async (options: Partial<AmqpEventBusOptions> = {}) => {
    const exchange = uniqueName('events');
    const connectionName = uniqueName('bus');
    const bus = await AmqpEventBus.open({
      url: TEST_AMQP_URL,
      exchange,
      connectionName,
      retryDelayMs: 10,
      backoff: { baseMs: 50, capMs: 500 },
      ...options,
    });
    cleanUp.push(() => admin.deleteExchange(exchange));
    cleanUp.push(() => bus.close());
    return { bus, connectionName };
  };
  const durableQueue = () => {
    const queue = uniqueName('queue');
    cleanUp.push(() => admin.deleteQueue(queue));
    return queue;
  };

  it('reconnects, resumes its subscriptions and loses no confirmed event while publishing through the loss', async () => {
    const { bus, connectionName } = await openBus();
    const queue = durableQueue();
    const handledTimes = new Map<string, number>();
    await bus.subscribeDurable(
      queue,
      '*',
      (event) => void handledTimes.set(event.id, (handledTimes.get(event.id) ?? 0) + 1),
    );
    const live: string[] = [];
    await bus.subscribe('agent_*', (event) => void live.push(event.id));

    const confirmed: string[] = [];
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const batch = Array.from({ length: 5 }, (_, i) => testEvent('agent_heartbeat', `a${i}`));
        try {
          await bus.publish(batch);
          confirmed.push(...batch.map((e) => e.id));
        } catch (error) {
          expect(error).toMatchObject({ code: ErrorCode.Unavailable });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();

    await eventually(() => expect(confirmed.length).toBeGreaterThanOrEqual(100));
    expect(await closeConnectionsNamed(connectionName)).toBe(1);
    await eventually(() => expect(bus.reconnects).toBe(1));
    const atReconnect = confirmed.length;
    await eventually(() => expect(confirmed.length).toBeGreaterThanOrEqual(atReconnect + 100));
    publishing = false;
    await publisher;

    await eventually(() => expect(confirmed.filter((id) => !handledTimes.has(id))).toEqual([]));
    expect([...handledTimes.values()].every((times) => times === 1)).toBe(true);
    // The in-process subscription came back too.
    const marker = testEvent('agent_registered');
    await bus.publish([marker]);
    await eventually(() => expect(live).toContain(marker.id));
  });

  it('rejects publishes and pings while disconnected, then takes them again once reconnected', async () => {
    // A fixed first delay of about 2 s (jitter pinned to its top) keeps the outage observable.
    const { bus, connectionName } = await openBus({
      backoff: { baseMs: 2_000, capMs: 2_000 },
      random: () => 0.999,
    });
    const queue = durableQueue();
    const handled: string[] = [];
    await bus.subscribeDurable(queue, '*', (event) => void handled.push(event.id));
    expect(await closeConnectionsNamed(connectionName)).toBe(1);

    await eventually(() => expect(bus.connected).toBe(false));
    const during = testEvent('agent_registered');
    await expect(bus.publish([during])).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringContaining('not connected'),
    });
    await expect(bus.ping()).rejects.toMatchObject({ code: ErrorCode.Unavailable });

    const after = testEvent('agent_updated');
    await eventually(() => bus.publish([after]));
    await bus.ping();
    await eventually(() => expect(handled).toEqual([after.id]));
    expect(bus.reconnects).toBe(1);
  });

  it('declares a durable queue again when it is deleted under its consumer', async () => {
    const { bus } = await openBus();
    const queue = durableQueue();
    const handled: string[] = [];
    await bus.subscribeDurable(queue, '*', (event) => void handled.push(event.id));
    await admin.deleteQueue(queue);
    await eventually(() => expect(bus.reconnects).toBe(1));
    const event = testEvent('agent_registered');
    await bus.publish([event]);
    await eventually(() => expect(handled).toEqual([event.id]));
  });
});
