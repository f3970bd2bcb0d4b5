import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CorralError } from '../../shared/errors.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import {
  capableAgent,
  connect,
  commandFor,
  openDispatchHarness,
  report,
  settle,
  type DispatchHarness,
} from '../commands/dispatch.fixtures.js';
import type { Command } from '../commands/command.js';
import { EventFactory } from '../events/event-factory.js';
import { CapabilityScheduler } from './capability-scheduler.js';
import { connectedCandidates } from './connected-candidates.js';
import { createStrategyRegistry } from './strategy-registry.js';

let h: DispatchHarness | undefined;
const open = async (scheduling: Parameters<typeof openDispatchHarness>[0] = {}) => {
  h = await openDispatchHarness(scheduling);
  return h;
};
const close = async (harness: DispatchHarness) => {
  await settle(harness.t);
  await harness.t.close();
  expect(harness.errors).toEqual([]);
};
afterEach(async () => {
  if (h) await close(h);
  h = undefined;
});

const capability = (
  t: DispatchHarness['t'],
  target: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) =>
  t.services.commands.create(t.admin, {
    type: 'ping',
    target: { kind: 'capability', capability: 'scan', count: 1, ...target },
    ...extra,
  });
const children = async (t: DispatchHarness['t'], parentId: string): Promise<Command[]> =>
  (await t.services.commands.list({ parentId }, { limit: 100, order: 'asc' })).items;
const agentsOf = (commands: readonly Command[]) => commands.map((c) => c.agentId);

/** A scheduler of its own over the same store and dispatcher, as after a restart. */
const secondScheduler = ({ t, clock, errors }: DispatchHarness, failures = 0) => {
  const source = connectedCandidates(t.backends.db, {
    laneLoad: (agentId) => t.services.dispatcher.laneLoad(agentId),
    cpuLoad: () => 0,
  });
  let failing = failures;
  return new CapabilityScheduler({
    db: t.backends.db,
    events: new EventFactory(new TimeOrderedIds(clock), clock),
    clock,
    candidates: (request) => (failing-- > 0 ? Promise.reject(new Error('store down')) : source(request)),
    strategy: createStrategyRegistry().get('round_robin'),
    limits: { maxAgentLoad: 0.8 },
    queueSize: 100,
    placed: (commands) => t.services.dispatcher.commandsCreated(commands),
    onError: (error) => errors.push(error),
  });
};

describe('CapabilityScheduler placement', () => {
  it('places each child on a distinct capable connected agent and hands it to dispatch', async () => {
    const { t, link } = await open();
    for (const id of ['cap-1', 'cap-2', 'cap-3']) await capableAgent(t, id);
    await capableAgent(t, 'plain-1', { capabilities: ['monitor'] });
    const created = await capability(t, { count: 2 });
    expect(agentsOf(created.children)).toEqual([null, null]);
    expect(created.children.map((c) => c.status)).toEqual(['queued', 'queued']);
    await t.services.scheduler.settled();
    await settle(t);
    const placed = await children(t, created.command.id);
    const agents = agentsOf(placed);
    expect(new Set(agents).size).toBe(2);
    for (const agentId of agents) expect(['cap-1', 'cap-2', 'cap-3']).toContain(agentId);
    for (const child of placed) {
      expect(child.history.map((e) => e.status)).toEqual(['queued', 'scheduled', 'dispatched']);
      expect(child.history[1]?.detail).toBe(`placed on ${child.agentId} (least_loaded)`);
      expect(link.deliveredIds(child.agentId ?? '')).toEqual([child.id]);
    }
    expect(t.services.scheduler.waiting).toBe(0);
  });

  it('chooses only agents carrying the labels asked for', async () => {
    const { t } = await open();
    await capableAgent(t, 'cap-a', { labels: { zone: 'a' } });
    await capableAgent(t, 'cap-b', { labels: { zone: 'b' } });
    await capableAgent(t, 'plain-b', { capabilities: ['monitor'], labels: { zone: 'b' } });
    const created = await capability(t, { count: 2, labels: { zone: 'b' } });
    await settle(t);
    expect(agentsOf(await children(t, created.command.id))).toEqual(expect.arrayContaining(['cap-b', null]));
    expect(t.services.scheduler.waiting).toBe(1);
  });

  it('skips agents not connected here or over MAX_AGENT_LOAD; the children wait until one connects', async () => {
    const { t, clock } = await open();
    await capableAgent(t, 'away', { connected: false });
    await capableAgent(t, 'busy', { cpuPercent: 95 });
    expect(t.services.scheduler.oldestWaitingSince()).toBeUndefined();
    const created = await capability(t, { count: 1 });
    const createdAt = clock.now();
    clock.advance(30_000);
    await settle(t);
    expect(agentsOf(await children(t, created.command.id))).toEqual([null]);
    expect(t.services.scheduler.waiting).toBe(1);
    // Passes take the child out and put it back: it still counts as waiting since its creation.
    expect(t.services.scheduler.oldestWaitingSince()).toBe(createdAt);
    await connect(t, 'away');
    t.services.scheduler.wake();
    await settle(t);
    expect(agentsOf(await children(t, created.command.id))).toEqual(['away']);
    expect(t.services.scheduler.oldestWaitingSince()).toBeUndefined();
  });

  it('waits for an agent at its window limit to finish something', async () => {
    const { t, link } = await open();
    await capableAgent(t, 'cap-1', { capacity: 1 });
    const first = await commandFor(t, 'cap-1');
    await settle(t);
    const created = await capability(t, { count: 1 });
    await settle(t);
    expect(agentsOf(await children(t, created.command.id))).toEqual([null]);
    report(t, 'cap-1', first.id, 'succeeded');
    const child = created.children[0] as Command;
    await vi.waitFor(() => expect(link.deliveredIds('cap-1')).toEqual([first.id, child.id]), {
      timeout: 5_000,
    });
    expect((await t.services.commands.get(child.id)).agentId).toBe('cap-1');
  });

  it('does not fill an agent past its window with children of two parents placed in one pass', async () => {
    const { t } = await open();
    await capableAgent(t, 'both', { capabilities: ['scan', 'collect'], capacity: 1, connected: false });
    const scan = await capability(t, { count: 1 });
    const collect = await capability(t, { count: 1, capability: 'collect' });
    await settle(t);
    await connect(t, 'both', 1);
    t.services.scheduler.wake();
    await settle(t);
    const placed = [...(await children(t, scan.command.id)), ...(await children(t, collect.command.id))];
    expect(placed.filter((c) => c.agentId === 'both')).toHaveLength(1);
    expect(t.services.dispatcher.laneLoad('both')?.assigned).toBe(1);
    expect(t.services.scheduler.waiting).toBe(1);
  });
});

describe('CapabilityScheduler.restore', () => {
  it('places children the store holds unplaced', async () => {
    const harness = await open();
    const { t } = harness;
    await capableAgent(t, 'cap-1', { connected: false });
    await capableAgent(t, 'cap-2', { connected: false });
    const created = await capability(t, { count: 2 });
    await settle(t);
    expect(agentsOf(await children(t, created.command.id))).toEqual([null, null]);
    await connect(t, 'cap-1');
    await connect(t, 'cap-2');
    const next = secondScheduler(harness);
    await next.restore();
    await next.settled();
    await settle(t);
    const placed = await children(t, created.command.id);
    expect(agentsOf(placed).sort()).toEqual(['cap-1', 'cap-2']);
    for (const child of placed)
      expect(child.history[1]?.detail).toBe(`placed on ${child.agentId} (round_robin)`);
    expect(next.waiting).toBe(0);
  });

  it('keeps one child per agent per parent: siblings placed before the restore are excluded', async () => {
    const harness = await open();
    const { t } = harness;
    await capableAgent(t, 'cap-1');
    await capableAgent(t, 'cap-2', { connected: false });
    const created = await capability(t, { count: 3 });
    await settle(t);
    expect(agentsOf(await children(t, created.command.id)).sort()).toEqual(['cap-1', null, null]);
    await connect(t, 'cap-2');
    const next = secondScheduler(harness);
    await next.restore();
    await next.settled();
    expect(agentsOf(await children(t, created.command.id)).sort()).toEqual(['cap-1', 'cap-2', null]);
    expect(next.waiting).toBe(1);
  });

  it('reads back from the store the children a failed pass had taken from its queue', async () => {
    const harness = await open();
    const { t } = harness;
    await capableAgent(t, 'cap-1', { connected: false });
    const created = await capability(t, { count: 1 });
    await settle(t);
    await connect(t, 'cap-1');
    const next = secondScheduler(harness, 1);
    await next.restore();
    await next.settled();
    expect(harness.errors.splice(0).map((e) => (e as Error).message)).toEqual(['store down']);
    expect(agentsOf(await children(t, created.command.id))).toEqual([null]);
    next.wake();
    await next.settled();
    expect(agentsOf(await children(t, created.command.id))).toEqual(['cap-1']);
  });
});

describe('CapabilityScheduler limits', () => {
  it('refuses a capability command its queue has no room for, storing nothing', async () => {
    const { t } = await open({ queueSize: 3 });
    const refused = (await capability(t, { count: 4 }).catch((error: unknown) => error)) as CorralError;
    expect(refused.code).toBe('resource_exhausted');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect((await t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toEqual([]);
    await capability(t, { count: 3 });
    await settle(t);
    const full = (await capability(t, { count: 1 }).catch((error: unknown) => error)) as CorralError;
    expect(full.code).toBe('resource_exhausted');
    expect((await t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toHaveLength(4);
  });

  it('does not place an expired child; the sweep expires it and the roll-up shows it on the parent', async () => {
    const { t, clock } = await open();
    await capableAgent(t, 'cap-1');
    const created = await capability(t, { count: 2 }, { ttlSeconds: 30 });
    await settle(t);
    const placed = (await children(t, created.command.id)).find((c) => c.agentId === 'cap-1') as Command;
    report(t, 'cap-1', placed.id, 'succeeded');
    await settle(t);
    clock.advance(31_000);
    await capableAgent(t, 'cap-2');
    t.services.scheduler.wake();
    await settle(t);
    expect(agentsOf(await children(t, created.command.id)).sort()).toEqual(['cap-1', null]);
    expect(await t.services.sweep.run()).toEqual({ expired: 1, timedOut: 0 });
    expect(await t.services.rollup.run()).toBe(1);
    const parent = await t.services.commands.get(created.command.id);
    expect(parent.status).toBe('partially_failed');
    expect(parent.history.at(-1)?.detail).toBe('1 succeeded, 1 expired');
  });
});

const fleetArb = fc.array(
  fc.record({
    capabilities: fc.subarray(['scan', 'collect']),
    capacity: fc.integer({ min: 1, max: 3 }),
    connects: fc.constantFrom('now', 'later', 'never'),
  }),
  { minLength: 1, maxLength: 6 },
);
const requestsArb = fc.array(
  fc.record({ capability: fc.constantFrom('scan', 'collect'), count: fc.integer({ min: 1, max: 4 }) }),
  { minLength: 1, maxLength: 4 },
);

describe('CapabilityScheduler invariants', () => {
  it('never places two children of one parent on an agent, an incapable agent, or past a window', async () => {
    await fc.assert(
      fc.asyncProperty(fleetArb, requestsArb, async (fleet, requests) => {
        const harness = await openDispatchHarness();
        const { t } = harness;
        try {
          const ids = fleet.map((_, i) => `a${i}`);
          for (const [i, agent] of fleet.entries())
            await capableAgent(t, ids[i] as string, {
              capabilities: agent.capabilities,
              capacity: agent.capacity,
              connected: agent.connects === 'now',
            });
          const parents: string[] = [];
          for (const r of requests) parents.push((await capability(t, r)).command.id);
          await settle(t);
          for (const [i, agent] of fleet.entries())
            if (agent.connects === 'later') await connect(t, ids[i] as string, agent.capacity);
          t.services.scheduler.wake();
          await settle(t);

          const connected = new Set(ids.filter((_, i) => fleet[i]?.connects !== 'never'));
          for (const [p, parentId] of parents.entries()) {
            const wanted = requests[p]?.capability as string;
            const placed = agentsOf(await children(t, parentId));
            const agents = placed.filter((a): a is string => a !== null);
            expect(new Set(agents).size).toBe(agents.length);
            for (const agentId of agents) {
              expect(connected.has(agentId)).toBe(true);
              expect(fleet[ids.indexOf(agentId)]?.capabilities).toContain(wanted);
            }
            // Nothing waits while a capable connected agent without a sibling has room.
            if (agents.length < placed.length)
              for (const agentId of connected)
                if (fleet[ids.indexOf(agentId)]?.capabilities.includes(wanted) && !agents.includes(agentId)) {
                  const load = t.services.dispatcher.laneLoad(agentId);
                  expect(load?.assigned).toBeGreaterThanOrEqual(load?.capacity ?? 0);
                }
          }
          for (const agentId of connected) {
            const load = t.services.dispatcher.laneLoad(agentId);
            expect(load?.assigned).toBeLessThanOrEqual(load?.capacity ?? 0);
          }
        } finally {
          await close(harness);
        }
      }),
      { numRuns: 25 },
    );
  });
});
