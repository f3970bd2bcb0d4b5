// The AMQP event bus on the real RabbitMQ: the EventBus contract, then what is
// particular to a broker: message properties, publisher confirms, durable
// queues, redelivery of failed messages, de-duplication of republished events.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventEnvelope } from '../../../features/events/event.js';
import { ErrorCode } from '../../../shared/errors.js';
import { describeEventBusContract, testEvent } from '../event-bus.contract.js';
import { decodeEvent, EventHeader } from '../event-codec.js';
import { AmqpEventBus, type AmqpEventBusOptions } from './amqp-event-bus.js';
import { BrokerAdmin, TEST_AMQP_URL, rabbitMqAvailable, uniqueName } from './rabbitmq.fixtures.js';

const available = await rabbitMqAvailable();
const eventually = (assertion: () => void | Promise<void>) =>
  vi.waitFor(assertion, { timeout: 10_000, interval: 20 });

describe.skipIf(!available)('AmqpEventBus on RabbitMQ', () => {
  let admin: BrokerAdmin;
  const exchanges: string[] = [];
  const queues: string[] = [];
  const buses: AmqpEventBus[] = [];

  beforeAll(async () => {
    admin = await BrokerAdmin.open();
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    for (const bus of buses.splice(0)) await bus.close();
    for (const queue of queues.splice(0)) await admin.deleteQueue(queue);
    for (const exchange of exchanges.splice(0)) await admin.deleteExchange(exchange);
  });

  const openBus = async (options: Partial<AmqpEventBusOptions> = {}) => {
    const exchange = options.exchange ?? uniqueName('events');
    if (!exchanges.includes(exchange)) exchanges.push(exchange);
    const bus = await AmqpEventBus.open({
      url: TEST_AMQP_URL,
      exchange,
      connectionName: uniqueName('bus'),
      retryDelayMs: 10,
      ...options,
    });
    buses.push(bus);
    return bus;
  };
  const durableQueue = (what: string) => {
    const queue = uniqueName(what);
    queues.push(queue);
    return queue;
  };

  describeEventBusContract('amqp', {
    open: (onHandlerError) => openBus({ onHandlerError, maxAttempts: 2 }),
  });

  describe('publishing', () => {
    it('routes by event type and sends persistent JSON messages with id, type and schema version', async () => {
      const bus = await openBus();
      const queue = durableQueue('raw');
      await admin.withChannel(async (channel) => {
        await channel.assertQueue(queue, { durable: true });
        await channel.bindQueue(queue, bus.exchange, 'command_created');
      });
      const event = testEvent('command_created');
      await bus.publish([testEvent('agent_registered'), event]);
      const message = await admin.withChannel((channel) => channel.get(queue, { noAck: true }));
      if (!message) throw new Error('no message was routed to the command_created binding');
      expect(message.fields.routingKey).toBe('command_created');
      expect(message.fields.exchange).toBe(bus.exchange);
      expect(message.properties).toMatchObject({
        messageId: event.id,
        type: 'command_created',
        contentType: 'application/json',
        deliveryMode: 2,
        appId: 'corral',
        timestamp: Math.floor(event.occurredAt / 1000),
        headers: { [EventHeader.SchemaVersion]: '1', [EventHeader.EventId]: event.id },
      });
      expect(decodeEvent(message.content)).toEqual(event);
      expect(await admin.readyCount(queue)).toBe(0);
    });

    it('resolves only once the broker has taken every message of the batch', async () => {
      const bus = await openBus();
      const queue = durableQueue('confirmed');
      await admin.withChannel(async (channel) => {
        await channel.assertQueue(queue, { durable: true });
        await channel.bindQueue(queue, bus.exchange, '#');
      });
      const batch = Array.from({ length: 2_000 }, (_, i) => testEvent('agent_heartbeat', `a${i}`));
      await bus.publish(batch);
      // No waiting: a confirmed persistent message routed to a durable queue is in it.
      expect(await admin.readyCount(queue)).toBe(2_000);
    });

    it('rejects when the exchange is gone, then declares it again on the new session', async () => {
      const bus = await openBus();
      await admin.deleteExchange(bus.exchange);
      await expect(bus.publish([testEvent('agent_registered')])).rejects.toMatchObject({
        code: ErrorCode.Unavailable,
        message: expect.stringContaining('NOT_FOUND'),
      });
      await eventually(() => expect(bus.reconnects).toBe(1));
      await bus.publish([testEvent('agent_registered')]);
      await admin.withChannel((channel) => channel.checkExchange(bus.exchange));
    });

    it('does not start when the broker cannot be reached, and never shows the password', async () => {
      const attempt = AmqpEventBus.open({
        url: 'amqp://corral:hunter2-password@127.0.0.1:1/',
        exchange: uniqueName('never'),
        connectTimeoutMs: 2_000,
      });
      await expect(attempt).rejects.toThrow(
        /cannot connect to the event bus at amqp:\/\/corral:\*\*\*@127\.0\.0\.1:1\//,
      );
      await expect(attempt).rejects.not.toThrow(/hunter2/);
    });
  });

  describe('consuming', () => {
    it('keeps events in a durable queue while its consumer is away', async () => {
      const bus = await openBus();
      const queue = durableQueue('durable');
      const seen: string[] = [];
      const unsubscribe = await bus.subscribeDurable(queue, 'agent_*', (event) => void seen.push(event.id));
      const first = testEvent('agent_registered');
      await bus.publish([first]);
      await eventually(() => expect(seen).toEqual([first.id]));
      await unsubscribe();
      const whileAway = [
        testEvent('agent_updated'),
        testEvent('command_created'),
        testEvent('agent_inactive'),
      ];
      await bus.publish(whileAway);
      expect(await admin.readyCount(queue)).toBe(2);
      await bus.subscribeDurable(queue, 'agent_*', (event) => void seen.push(event.id));
      await eventually(() => expect(seen).toEqual([first.id, whileAway[0]!.id, whileAway[2]!.id]));
    });

    it('gives every instance its own queue: each sees every event', async () => {
      const exchange = uniqueName('events');
      const [a, b] = [await openBus({ exchange }), await openBus({ exchange })];
      const seenByA: string[] = [];
      const seenByB: string[] = [];
      await a.subscribe('*', (event) => void seenByA.push(event.id));
      await b.subscribe('*', (event) => void seenByB.push(event.id));
      const events = [testEvent('agent_registered'), testEvent('command_created')];
      await a.publish(events.slice(0, 1));
      await b.publish(events.slice(1));
      const ids = events.map((e) => e.id);
      await eventually(() => expect([seenByA, seenByB]).toEqual([ids, ids]));
    });

    it('shares a durable queue between consumers: each event is handled once across them', async () => {
      const exchange = uniqueName('events');
      const [a, b] = [await openBus({ exchange, prefetch: 1 }), await openBus({ exchange, prefetch: 1 })];
      const queue = durableQueue('shared');
      const handledBy = new Map<string, string[]>();
      const record = (who: string) => (event: EventEnvelope) =>
        void handledBy.set(event.id, [...(handledBy.get(event.id) ?? []), who]);
      await a.subscribeDurable(queue, '*', record('a'));
      await b.subscribeDurable(queue, '*', record('b'));
      const events = Array.from({ length: 50 }, (_, i) => testEvent('agent_heartbeat', `a${i}`));
      await a.publish(events);
      await eventually(() => expect(handledBy.size).toBe(50));
      expect([...handledBy.values()].every((who) => who.length === 1)).toBe(true);
    });

    it('redelivers an event whose handler failed until it succeeds, then acknowledges it', async () => {
      const bus = await openBus({ maxAttempts: 5 });
      const queue = durableQueue('retry');
      let calls = 0;
      const handled: string[] = [];
      await bus.subscribeDurable(queue, '*', (event) => {
        calls += 1;
        if (calls < 3) throw new Error(`attempt ${calls} fails`);
        handled.push(event.id);
      });
      const event = testEvent('agent_registered');
      await bus.publish([event]);
      await eventually(() => expect(handled).toEqual([event.id]));
      expect(calls).toBe(3);
      await bus.close();
      expect(await admin.readyCount(queue)).toBe(0);
    });

    it('drops an event whose handler keeps failing after maxAttempts, and goes on with the next', async () => {
      const bus = await openBus({ maxAttempts: 3 });
      const queue = durableQueue('poison');
      const attempts = new Map<string, number>();
      const poison = testEvent('agent_registered');
      const next = testEvent('agent_updated');
      const failures: string[] = [];
      await bus.subscribeDurable(queue, '*', (event) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        if (event.id === poison.id) {
          failures.push(event.id);
          throw new Error('always fails');
        }
      });
      await bus.publish([poison]);
      await eventually(() => expect(failures.length).toBe(3));
      await bus.publish([next]);
      // Messages are handled one at a time: once `next` is handled, the poison one is settled.
      await eventually(() => expect(attempts.get(next.id)).toBe(1));
      expect(attempts.get(poison.id)).toBe(3);
      await bus.close();
      expect(await admin.readyCount(queue)).toBe(0);
    });

    it('skips events already handled when the publisher sends them again', async () => {
      const bus = await openBus();
      const queue = durableQueue('dedup');
      const handled: string[] = [];
      await bus.subscribeDurable(queue, '*', (event) => void handled.push(event.id));
      const events = [testEvent('agent_registered'), testEvent('agent_updated')];
      await bus.publish(events);
      await bus.publish(events);
      const marker = testEvent('agent_inactive');
      await bus.publish([marker]);
      await eventually(() => expect(handled).toContain(marker.id));
      expect(handled).toEqual([...events.map((e) => e.id), marker.id]);
      expect(bus.duplicatesSkipped).toBe(2);
    });

    it('drops a message that is not an event envelope without calling the handler', async () => {
      const bus = await openBus();
      const queue = durableQueue('garbage');
      const handled: string[] = [];
      await bus.subscribeDurable(queue, '*', (event) => void handled.push(event.id));
      await admin.withChannel(async (channel) => {
        channel.publish(bus.exchange, 'agent_registered', Buffer.from('{"not":"an event"}'));
      });
      const marker = testEvent('agent_registered');
      await bus.publish([marker]);
      await eventually(() => expect(handled).toEqual([marker.id]));
      await bus.close();
      expect(await admin.readyCount(queue)).toBe(0);
    });

    it('refuses a durable queue name the broker reserves or cannot take', async () => {
      const bus = await openBus();
      for (const name of ['amq.gen-x', '', 'has space']) {
        await expect(bus.subscribeDurable(name, '*', () => undefined)).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      }
    });
  });
});
