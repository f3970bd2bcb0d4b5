import { afterEach, describe, expect, it, vi } from 'vitest';
import { enrollTestAgent } from '../../app/test-services.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import { EventFactory } from '../events/event-factory.js';
import { CommandDispatcher } from './command-dispatcher.js';
import {
  commandFor,
  connect,
  openDispatchHarness,
  report,
  settle,
  statusEvents,
  statusOf,
  type DispatchHarness,
} from './dispatch.fixtures.js';

let h: DispatchHarness;
const open = async (scheduling: Parameters<typeof openDispatchHarness>[0] = {}) => {
  h = await openDispatchHarness(scheduling);
  await enrollTestAgent(h.t, 'a1');
  return h;
};
afterEach(async () => {
  await settle(h.t);
  await h.t.close();
  expect(h.errors).toEqual([]);
});

const many = async (n: number, extra: Record<string, unknown> = {}) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await commandFor(h.t, 'a1', extra)).id);
  return ids;
};

describe('CommandDispatcher window', () => {
  it('keeps at most the stated capacity out; a finished command lets the next out, high before normal', async () => {
    const { t, link } = await open();
    await connect(t, 'a1', 2);
    const normal = await many(4);
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual(normal.slice(0, 2));
    const [high] = await many(1, { priority: 'high' });
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual(normal.slice(0, 2));
    report(t, 'a1', normal[0] as string, 'succeeded');
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([...normal.slice(0, 2), high]);
    report(t, 'a1', normal[1] as string, 'failed');
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([...normal.slice(0, 2), high, normal[2]]);
    expect(await statusOf(t, normal[3] as string)).toBe('queued');
    expect(t.services.dispatcher.laneLoad('a1')).toMatchObject({ assigned: 3, capacity: 2 });
  });

  it('caps a larger stated capacity at MAX_COMMANDS_PER_AGENT, and uses it when none is stated', async () => {
    const { t, link } = await open({ maxCommandsPerAgent: 3 });
    await connect(t, 'a1', 10);
    expect(t.services.dispatcher.laneLoad('a1')?.capacity).toBe(3);
    const ids = await many(5);
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual(ids.slice(0, 3));
    t.services.dispatcher.capacityStated('a1', 1);
    expect(t.services.dispatcher.laneLoad('a1')?.capacity).toBe(1);
    t.services.dispatcher.capacityStated('a1', 0);
    expect(t.services.dispatcher.laneLoad('a1')?.capacity).toBe(3);
  });
});

describe('CommandDispatcher emergencies and maintenance', () => {
  it('sends emergencies past a full window and while maintenance holds dispatch; releases the rest after', async () => {
    const { t, link, clock } = await open();
    await connect(t, 'a1', 1);
    const [first, held] = await many(2);
    const heldSince = clock.now();
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([first]);
    // The backlog's age: the held command waits behind the full window.
    expect(t.services.dispatcher.oldestWaitingSince()).toBe(heldSince);
    clock.advance(60_000);
    const [urgent] = await many(1, { type: 'status', priority: 'emergency' });
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([first, urgent]);

    await t.services.maintenance.set(t.admin, { enabled: true, reason: 'upgrade' });
    report(t, 'a1', first as string, 'succeeded');
    const [urgentToo] = await many(1, { type: 'status', priority: 'emergency' });
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([first, urgent, urgentToo]);
    expect(await statusOf(t, held as string)).toBe('queued');

    expect(t.services.dispatcher.oldestWaitingSince()).toBe(heldSince);

    await t.services.maintenance.set(t.admin, { enabled: false });
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([first, urgent, urgentToo, held]);
    expect(t.services.dispatcher.oldestWaitingSince()).toBeUndefined();
  });
});

describe('CommandDispatcher reconnect', () => {
  it('sends again what was dispatched but never acknowledged; acknowledged and running ones keep their slots', async () => {
    const { t, link } = await open();
    await connect(t, 'a1', 3);
    const [lost, acked, running] = (await many(3)) as [string, string, string];
    await settle(t);
    report(t, 'a1', acked);
    report(t, 'a1', running);
    report(t, 'a1', running, 'running');
    await settle(t);
    t.services.dispatcher.agentDisconnected('a1');
    expect(t.services.dispatcher.laneLoad('a1')).toBeUndefined();
    link.deliveries.length = 0;

    await connect(t, 'a1', 3);
    await vi.waitFor(() => expect(link.deliveredIds('a1')).toEqual([lost]), { timeout: 5_000 });
    const resent = await t.services.commands.get(lost);
    expect(resent.deliveries).toBe(2);
    expect(resent.history.at(-1)).toMatchObject({ status: 'dispatched', detail: 'redelivered' });
    expect((await t.services.commands.get(acked)).deliveries).toBe(1);
    expect(await statusOf(t, running)).toBe('running');

    const [next] = await many(1);
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([lost]);
    report(t, 'a1', acked, 'succeeded');
    await settle(t);
    expect(link.deliveredIds('a1')).toEqual([lost, next]);
  });
});

describe('CommandDispatcher reports', () => {
  it('stores a receipt, running and succeeded from one batch as one path with one event, and confirms them', async () => {
    const { t, link } = await open();
    await connect(t, 'a1');
    const [id] = (await many(1)) as [string];
    await settle(t);
    report(t, 'a1', id);
    report(t, 'a1', id, 'running', { progress: { percent: 50, message: 'half' } });
    report(t, 'a1', id, 'succeeded', { result: { ok: true } });
    await settle(t);

    const stored = await t.services.commands.get(id);
    expect(stored).toMatchObject({ status: 'succeeded', result: { ok: true }, deliveries: 1 });
    expect(stored.history.map((e) => e.status)).toEqual([
      'queued',
      'scheduled',
      'dispatched',
      'acknowledged',
      'running',
      'succeeded',
    ]);
    const expectedEvents = [
      { actor: 'system', from: 'queued', to: 'dispatched', path: ['scheduled', 'dispatched'], agentId: 'a1' },
      {
        actor: 'agent:a1',
        from: 'dispatched',
        to: 'succeeded',
        path: ['acknowledged', 'running', 'succeeded'],
        agentId: 'a1',
      },
    ];
    expect(await statusEvents(t, id)).toEqual(expectedEvents);
    expect(link.confirmed).toEqual([
      {
        agentId: 'a1',
        receipts: [
          { commandId: id, phase: 'running' },
          { commandId: id, phase: 'succeeded' },
        ],
      },
    ]);

    // The agent did not see the confirmation and sends its result again: nothing changes, it is confirmed.
    report(t, 'a1', id, 'succeeded', { result: { ok: true } });
    await settle(t);
    expect((await t.services.commands.get(id)).history).toHaveLength(6);
    expect(await statusEvents(t, id)).toEqual(expectedEvents);
    expect(link.confirmed.at(-1)).toEqual({
      agentId: 'a1',
      receipts: [{ commandId: id, phase: 'succeeded' }],
    });
  });

  it('does not apply a report from an agent the command is not on', async () => {
    const { t } = await open();
    await enrollTestAgent(t, 'a2');
    await connect(t, 'a1');
    await connect(t, 'a2');
    const [id] = (await many(1)) as [string];
    await settle(t);
    report(t, 'a2', id);
    report(t, 'a2', id, 'failed', { error: { code: 'boom', message: 'not mine' } });
    await settle(t);
    expect(await t.services.commands.get(id)).toMatchObject({ status: 'dispatched', error: null });
    expect((await statusEvents(t, id)).map((e) => e.actor)).toEqual(['system']);
  });
});

describe('CommandDispatcher cancel', () => {
  it('never sends a command cancelled while it waited in the lane, and fills the slot with the next', async () => {
    const { t, link } = await open();
    await connect(t, 'a1', 1);
    const [first, cancelled, after] = (await many(3)) as [string, string, string];
    await settle(t);
    expect((await t.services.commands.cancel(t.admin, cancelled)).status).toBe('cancelled');
    // It left the lane at once: placement sees one out and one waiting.
    expect(t.services.dispatcher.laneLoad('a1')?.assigned).toBe(2);
    report(t, 'a1', first, 'succeeded');
    await settle(t);
    expect(link.deliveredIds()).toEqual([first, after]);
    expect(link.cancels).toEqual([]);
    // A command already out is cancelled on its agent.
    await t.services.commands.cancel(t.admin, after, 'stop it');
    expect(link.cancels).toEqual([{ agentId: 'a1', commandId: after, reason: 'stop it' }]);
  });

  it('fills the slot of a waiting command cancelled elsewhere (its delivery is refused by the store)', async () => {
    const { t, clock, link } = await open();
    await connect(t, 'a1', 1);
    const [first, cancelled, after] = (await many(3)) as [string, string, string];
    await settle(t);
    // Another instance cancelled it: this one's lane still holds it.
    await t.backends.db.commands.applyTransitions([
      { id: cancelled, to: 'cancel_requested', at: clock.now() },
      { id: cancelled, to: 'cancelled', at: clock.now() },
    ]);
    report(t, 'a1', first, 'succeeded');
    await settle(t);
    expect(link.deliveredIds()).toEqual([first, after]);
    expect((await t.services.commands.get(cancelled)).deliveries).toBe(0);
  });
});

describe('CommandDispatcher spill and refill', () => {
  it('delivers a backlog larger than the lane, each command once, as earlier ones finish', async () => {
    const { t, clock, link, errors } = await open();
    const ids = await many(10);
    const dispatcher = new CommandDispatcher(
      t.backends.db,
      () => link,
      new EventFactory(new TimeOrderedIds(clock), clock),
      clock,
      (error) => errors.push(error),
      { maxCommandsPerAgent: 2, laneSize: 3, outstandingLimit: 100 },
    );
    dispatcher.agentConnected('a1');
    const done = new Set<string>();
    await vi.waitFor(
      async () => {
        expect(dispatcher.depth().waiting).toBeLessThanOrEqual(3);
        for (const id of link.deliveredIds('a1'))
          if (!done.has(id)) {
            done.add(id);
            dispatcher.report({ agentId: 'a1', commandId: id, phase: 'succeeded' });
          }
        await dispatcher.flush();
        expect(done.size).toBe(10);
      },
      { timeout: 10_000, interval: 5 },
    );
    await dispatcher.flush();
    expect(link.deliveredIds('a1')).toEqual(ids);
    for (const id of ids) expect(await statusOf(t, id)).toBe('succeeded');
  });
});

describe('CommandDispatcher and work whose signal was lost', () => {
  it('reads in backlog no signal announced once it is old enough, only for lanes with nothing waiting', async () => {
    const { t, clock, link, errors } = await open();
    await enrollTestAgent(t, 'a2');
    // This dispatcher is the instance holding the agents; commands created through the services go to
    // the other one (which holds no agent), as if created elsewhere with the signal lost.
    const here = new CommandDispatcher(
      t.backends.db,
      () => link,
      new EventFactory(new TimeOrderedIds(clock), clock),
      clock,
      (error) => errors.push(error),
      { maxCommandsPerAgent: 1, laneSize: 10, outstandingLimit: 100 },
    );
    here.agentConnected('a1');
    here.agentConnected('a2');
    await vi.waitFor(() => expect(here.depth()).toEqual({ waiting: 0, out: 0 }));
    const missed = await many(2);
    // a2 has work waiting in its lane (one out, one waiting): its lane reads on as it drains.
    const busy = [await commandFor(t, 'a2'), await commandFor(t, 'a2')];
    here.commandsCreated(busy);
    await here.flush();

    expect(await here.recheckIdleLanes(5_000)).toBe(0);
    clock.advance(5_000);
    expect(await here.recheckIdleLanes(5_000)).toBe(1);
    await vi.waitFor(async () => {
      await here.flush();
      expect(link.deliveredIds('a1')).toEqual(missed.slice(0, 1));
    });
    expect(link.deliveredIds('a2')).toEqual([busy[0]?.id]);
    expect(here.missedWorkFound).toBe(1);
  });
});

describe('CommandDispatcher and the sweep', () => {
  it('frees the window slot of a command the sweep timed out, and tells the observer', async () => {
    const { t, clock, link, finished } = await open();
    await connect(t, 'a1', 1);
    const [stuck] = (await many(1, { timeoutSeconds: 60, ttlSeconds: 30 })) as [string];
    const [waiting] = (await many(1)) as [string];
    await settle(t);
    report(t, 'a1', stuck);
    await settle(t);
    clock.advance(61_000);
    await settle(t);
    expect(link.deliveredIds()).toEqual([stuck]);
    expect(await t.services.sweep.run()).toEqual({ expired: 0, timedOut: 1 });
    await settle(t);
    expect(await statusOf(t, stuck)).toBe('timed_out');
    expect(link.deliveredIds()).toEqual([stuck, waiting]);
    expect(finished).toEqual([['ping', 'timed_out', 61]]);
  });
});

describe('CommandDispatcher observer', () => {
  it('reports each finished command with its type, terminal status and time on the agent', async () => {
    const { t, clock, finished } = await open();
    await connect(t, 'a1');
    const [ping] = (await many(1)) as [string];
    const [status] = (await many(1, { type: 'status' })) as [string];
    await settle(t);
    clock.advance(1_500);
    report(t, 'a1', ping, 'succeeded');
    report(t, 'a1', status, 'rejected');
    await settle(t);
    expect(finished).toEqual([
      ['ping', 'succeeded', 1.5],
      ['status', 'failed', 1.5],
    ]);
    expect(await t.services.commands.get(status)).toMatchObject({
      status: 'failed',
      error: { code: 'rejected' },
    });
    expect(t.services.dispatcher.laneLoad('a1')?.stats.samples).toBe(2);
    expect(t.services.dispatcher.laneLoad('a1')?.stats.failureEwma).toBeGreaterThan(0);
  });
});
