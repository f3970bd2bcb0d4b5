// The EventBus contract, run on every implementation (memory, AMQP) through
// describeEventBusContract. Delivery may be asynchronous, so tests wait for
// what they expect with a bounded poll.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_SCHEMA_VERSION, type EventEnvelope, type EventType } from '../../features/events/event.js';
import { ErrorCode } from '../../shared/errors.js';
import type { EventBus } from './event-bus.js';

export interface EventBusFactory {
  /** A fresh bus; handler failures go to onHandlerError. */
  open(onHandlerError: (error: unknown, event: EventEnvelope) => void): Promise<EventBus>;
  /** After each test, once its bus is closed. */
  cleanUp?(): Promise<void>;
}

let sequence = 0;
export function testEvent(type: EventType, subjectId = 'a1'): EventEnvelope {
  sequence += 1;
  return {
    id: `${String(sequence).padStart(6, '0')}-${randomUUID()}`,
    type,
    schemaVersion: EVENT_SCHEMA_VERSION,
    occurredAt: Date.UTC(2026, 0, 1) + sequence,
    subject: { kind: 'agent', id: subjectId },
    actor: 'system',
    data: { sequence, nested: { list: [1, 'two', null] } },
  };
}

const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 10_000, interval: 20 });

export function describeEventBusContract(name: string, factory: EventBusFactory): void {
  describe(`EventBus contract (${name})`, () => {
    const opened: EventBus[] = [];
    const failures: { error: unknown; event: EventEnvelope }[] = [];
    const open = async () => {
      const bus = await factory.open((error, event) => failures.push({ error, event }));
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      for (const bus of opened.splice(0)) await bus.close();
      failures.length = 0;
      await factory.cleanUp?.();
    });

    it('delivers every published event whole, in publish order, to a * subscriber', async () => {
      const bus = await open();
      const seen: EventEnvelope[] = [];
      await bus.subscribe('*', (event) => void seen.push(event));
      const events = [
        testEvent('agent_registered'),
        testEvent('command_created'),
        testEvent('agent_heartbeat'),
        testEvent('policy_assigned'),
      ];
      await bus.publish(events.slice(0, 2));
      await bus.publish(events.slice(2));
      await eventually(() => expect(seen).toEqual(events));
    });

    it('delivers to prefix and exact subscribers only the types they asked for', async () => {
      const bus = await open();
      const agents: string[] = [];
      const created: string[] = [];
      await bus.subscribe('agent_*', (event) => void agents.push(event.type));
      await bus.subscribe('command_created', (event) => void created.push(event.type));
      const marker = testEvent('agent_unregistered');
      await bus.publish([
        testEvent('agent_registered'),
        testEvent('command_created'),
        testEvent('command_status_changed'),
        testEvent('config_updated'),
        testEvent('agent_inactive'),
        testEvent('command_created'),
        marker,
      ]);
      await eventually(() =>
        expect(agents).toEqual(['agent_registered', 'agent_inactive', 'agent_unregistered']),
      );
      await eventually(() => expect(created).toEqual(['command_created', 'command_created']));
    });

    it('gives every subscriber its own copy', async () => {
      const bus = await open();
      const first: string[] = [];
      const second: string[] = [];
      await bus.subscribe('*', (event) => void first.push(event.id));
      await bus.subscribe('agent_*', (event) => void second.push(event.id));
      const events = [testEvent('agent_registered'), testEvent('agent_updated')];
      await bus.publish(events);
      await eventually(() =>
        expect([first, second]).toEqual([events.map((e) => e.id), events.map((e) => e.id)]),
      );
    });

    it('hands a subscriber each event id once, however often it is published', async () => {
      const bus = await open();
      const seen: string[] = [];
      await bus.subscribe('*', (event) => void seen.push(event.id));
      const [e1, e2, e3] = [
        testEvent('agent_registered'),
        testEvent('agent_updated'),
        testEvent('agent_inactive'),
      ];
      await bus.publish([e1!, e2!]);
      await bus.publish([e1!, e3!, e2!]);
      await eventually(() => expect(seen).toContain(e3!.id));
      expect(seen).toEqual([e1!.id, e2!.id, e3!.id]);
    });

    it('delivers nothing more to a subscriber once unsubscribed', async () => {
      const bus = await open();
      const gone: string[] = [];
      const staying: string[] = [];
      const unsubscribe = await bus.subscribe('*', (event) => void gone.push(event.id));
      await bus.subscribe('*', (event) => void staying.push(event.id));
      const before = testEvent('agent_registered');
      await bus.publish([before]);
      await eventually(() => expect(gone).toEqual([before.id]));
      await unsubscribe();
      const after = testEvent('agent_updated');
      await bus.publish([after]);
      await eventually(() => expect(staying).toEqual([before.id, after.id]));
      expect(gone).toEqual([before.id]);
    });

    it('reports a failing handler and still delivers to the other subscribers', async () => {
      const bus = await open();
      const seen: string[] = [];
      await bus.subscribe('agent_*', () => {
        throw new Error('handler broke');
      });
      await bus.subscribe('agent_*', (event) => void seen.push(event.id));
      const event = testEvent('agent_registered');
      await bus.publish([event]);
      await eventually(() => expect(seen).toEqual([event.id]));
      await eventually(() => expect(failures.length).toBeGreaterThan(0));
      expect(failures[0]).toMatchObject({ error: { message: 'handler broke' }, event: { id: event.id } });
    });

    it('refuses a pattern that is not *, a type or a prefix', async () => {
      const bus = await open();
      for (const pattern of ['#', 'agent.*', '']) {
        await expect(bus.subscribe(pattern, () => undefined)).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      }
    });

    it('answers ping and takes an empty batch while open; refuses publish and ping once closed', async () => {
      const bus = await open();
      await bus.ping();
      await bus.publish([]);
      await bus.close();
      await expect(bus.publish([testEvent('agent_registered')])).rejects.toMatchObject({
        code: ErrorCode.Unavailable,
      });
      await expect(bus.ping()).rejects.toMatchObject({ code: ErrorCode.Unavailable });
    });
  });
}
