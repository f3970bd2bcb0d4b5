// The outbox relay publishing to the real RabbitMQ: events committed in a SQLite
// file reach a durable consumer exactly once (after de-duplication) even when
// the relay publishes them again, and what could not be published while the
// broker was unreachable stays in the outbox until a later drain sends it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SYSTEM_PRINCIPAL } from '../api-keys/api-key.js';
import { openBackends, type Backends } from '../../app/backends.js';
import { createServices } from '../../app/create-services.js';
import { enrollTestAgent, type TestServices } from '../../app/test-services.js';
import { AmqpEventBus } from '../../infra/bus/amqp/amqp-event-bus.js';
import {
  BrokerAdmin,
  TEST_AMQP_URL,
  closeConnectionsNamed,
  rabbitMqAvailable,
  uniqueName,
} from '../../infra/bus/amqp/rabbitmq.fixtures.js';
import { FakeClock } from '../../shared/clock.js';
import { ErrorCode } from '../../shared/errors.js';
import { silentLogger } from '../../shared/logger.js';
import { OutboxRelay } from './outbox-relay.js';

const available = await rabbitMqAvailable();
const eventually = <T>(assertion: () => T | Promise<T>) =>
  vi.waitFor(assertion, { timeout: 15_000, interval: 20 });

describe.skipIf(!available)('OutboxRelay on RabbitMQ', () => {
  let admin: BrokerAdmin;
  let dir: string;
  let exchange: string;
  let queue: string;
  let backends: Backends;
  let t: TestServices;
  let consumer: AmqpEventBus;
  const handledTimes = new Map<string, number>();

  beforeAll(async () => {
    admin = await BrokerAdmin.open();
  });
  afterAll(async () => {
    await admin.close();
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'corral-outbox-amqp-'));
    exchange = uniqueName('events');
    queue = uniqueName('audit-consumer');
    const clock = new FakeClock();
    backends = await openBackends(
      {
        STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
        CACHE_URL: 'memory:',
        BUS_URL: TEST_AMQP_URL,
        BUS_EXCHANGE: exchange,
        INSTANCE_ID: uniqueName('instance'),
      },
      silentLogger,
      clock,
    );
    t = {
      services: createServices(backends, { sessionTtlMs: 3_600_000, clock }),
      backends,
      clock,
      admin: {
        principal: { ...SYSTEM_PRINCIPAL, actor: 'api_key:test-admin', name: 'test admin' },
        requestId: 't',
      },
      close: () => backends.close(),
    };
    // An external consumer on its own connection, with its durable queue in place before anything is published.
    consumer = await AmqpEventBus.open({
      url: TEST_AMQP_URL,
      exchange,
      connectionName: uniqueName('consumer'),
    });
    handledTimes.clear();
    await consumer.subscribeDurable(queue, '*', (event) => {
      handledTimes.set(event.id, (handledTimes.get(event.id) ?? 0) + 1);
    });
  });

  afterEach(async () => {
    await consumer.close();
    await backends.close();
    await admin.deleteQueue(queue);
    await admin.deleteExchange(exchange);
    await rm(dir, { recursive: true, force: true });
  });

  const storedEventIds = async () =>
    (await backends.db.events.list({}, { limit: 1_000, order: 'asc' })).items.map((e) => e.id);

  it('delivers committed events once, even when the relay publishes them all again', async () => {
    expect(backends.describe.bus).toBe('amqp');
    expect(await t.services.readiness()).toEqual({
      ready: true,
      checks: { store: 'ok', cache: 'ok', bus: 'ok' },
    });
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) await enrollTestAgent(t, id);
    const relayed = await t.services.relay.drain();
    const ids = await storedEventIds();
    expect(relayed).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    await eventually(() => expect([...handledTimes.keys()].sort()).toEqual([...ids].sort()));

    // As if marking them published had failed after the broker confirmed them.
    const raw = new BetterSqlite3(join(dir, 'corral.db'));
    try {
      raw.prepare('UPDATE events SET published_at = NULL').run();
    } finally {
      raw.close();
    }
    expect(await t.services.relay.drain()).toBe(ids.length);
    await eventually(() => expect(consumer.duplicatesSkipped).toBe(ids.length));
    expect([...handledTimes.values()].every((times) => times === 1)).toBe(true);
    expect(handledTimes.size).toBe(ids.length);
  });

  it('keeps events in the outbox while the broker is unreachable and sends them after it is back', async () => {
    // The relay's own bus, with a fixed ~2 s reconnect delay so the outage can be observed.
    const connectionName = uniqueName('relay');
    const bus = await AmqpEventBus.open({
      url: TEST_AMQP_URL,
      exchange,
      connectionName,
      backoff: { baseMs: 2_000, capMs: 2_000 },
      random: () => 0.999,
    });
    try {
      const relay = new OutboxRelay(backends.db, bus, t.clock);
      await enrollTestAgent(t, 'before');
      await relay.drain();
      expect(await closeConnectionsNamed(connectionName)).toBe(1);
      await eventually(() => expect(bus.connected).toBe(false));
      await enrollTestAgent(t, 'during');
      await expect(relay.drain()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
      const waiting = await backends.db.events.unpublished(100);
      expect(waiting.map((e) => e.subject.id)).toContain('during');

      await eventually(() => expect(bus.connected).toBe(true));
      expect(await relay.drain()).toBe(waiting.length);
      expect(await backends.db.events.unpublished(100)).toEqual([]);
      const ids = await storedEventIds();
      await eventually(() => expect([...handledTimes.keys()].sort()).toEqual([...ids].sort()));
      expect([...handledTimes.values()].every((times) => times === 1)).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('reports the bus in /readyz as failing once it is down', async () => {
    await backends.bus.close();
    const readiness = await t.services.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.store).toBe('ok');
    expect(readiness.checks.bus).toContain('closed');
  });
});

describe.skipIf(!available)('openBackends with an unreachable broker', () => {
  it('fails naming BUS_URL, without the password', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'corral-bus-down-'));
    try {
      const attempt = openBackends(
        {
          STORE_URL: `sqlite:${join(dir, 'corral.db')}`,
          CACHE_URL: 'memory:',
          BUS_URL: 'amqp://corral:hunter2-password@127.0.0.1:1/',
        },
        silentLogger,
        new FakeClock(),
      );
      await expect(attempt).rejects.toThrow(
        /^BUS_URL: cannot connect to the event bus at amqp:\/\/corral:\*\*\*@127\.0\.0\.1:1\//,
      );
      await expect(attempt).rejects.not.toThrow(/hunter2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
