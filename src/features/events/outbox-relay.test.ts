import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { MemoryEventBus } from '../../infra/bus/memory-event-bus.js';
import type { EventBus } from '../../infra/bus/event-bus.js';
import { FakeClock } from '../../shared/clock.js';
import type { EventEnvelope } from './event.js';
import { OutboxRelay } from './outbox-relay.js';

let t: TestServices;
beforeEach(async () => {
  t = await openTestServices({ clock: new FakeClock() });
});
afterEach(() => t.close());

describe('OutboxRelay', () => {
  it('publishes committed events in order, once, and marks them published', async () => {
    await enrollTestAgent(t, 'a1');
    await enrollTestAgent(t, 'a2');
    const bus = new MemoryEventBus(() => undefined);
    const seen: EventEnvelope[] = [];
    await bus.subscribe('agent_*', (event) => void seen.push(event));
    const relay = new OutboxRelay(t.backends.db, bus, t.clock, () => undefined, 1);
    expect(await relay.drain()).toBeGreaterThanOrEqual(2);
    expect(seen.map((e) => [e.type, e.subject.id])).toEqual([
      ['agent_registered', 'a1'],
      ['agent_registered', 'a2'],
    ]);
    expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort());
    expect(await relay.drain()).toBe(0);
    expect(await t.backends.db.events.unpublished(10)).toEqual([]);
  });

  it('relays events as they commit once started, without a drain, and stops taking them when stopped', async () => {
    const bus = new MemoryEventBus(() => undefined);
    const seen: string[] = [];
    await bus.subscribe('agent_*', (event) => void seen.push(event.subject.id));
    const relay = new OutboxRelay(t.backends.db, bus, t.clock);
    relay.start();
    await enrollTestAgent(t, 'a1');
    await vi.waitFor(() => expect(seen).toEqual(['a1']));
    await vi.waitFor(async () => expect(await t.backends.db.events.unpublished(10)).toEqual([]));
    expect(relay.published).toBeGreaterThan(0);
    relay.stop();
    await enrollTestAgent(t, 'a2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['a1']);
    expect(await relay.drain()).toBeGreaterThan(0);
    expect(seen).toEqual(['a1', 'a2']);
  });

  it('keeps events in the outbox when the bus refuses them, and sends them later', async () => {
    await enrollTestAgent(t, 'a1');
    let up = false;
    const delivered: string[] = [];
    const flaky: EventBus = {
      async publish(events) {
        if (!up) throw new Error('broker down');
        delivered.push(...events.map((e) => e.type));
      },
      subscribe: async () => async () => undefined,
      ping: async () => undefined,
      close: async () => undefined,
    };
    const relay = new OutboxRelay(t.backends.db, flaky, t.clock);
    await expect(relay.drain()).rejects.toThrow('broker down');
    expect((await t.backends.db.events.unpublished(10)).length).toBeGreaterThan(0);
    up = true;
    await relay.drain();
    expect(delivered).toContain('agent_registered');
    expect(await t.backends.db.events.unpublished(10)).toEqual([]);
  });
});
