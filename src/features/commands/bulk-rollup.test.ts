import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { describeCounts } from './bulk-rollup.js';
import type { CommandStatus } from './command-state.js';
import type { Command } from './command.js';
import { statusEvents } from './dispatch.fixtures.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  for (const id of ['a1', 'a2', 'a3']) await enrollTestAgent(t, id);
});
afterEach(() => t.close());

const bulk = async (extra: Record<string, unknown> = {}) => {
  const created = await t.services.commands.create(t.admin, {
    type: 'ping',
    target: { kind: 'agents', agentIds: ['a1', 'a2', 'a3'] },
    ...extra,
  });
  return { parent: created.command, children: created.children.map((c) => c.id) as [string, string, string] };
};

const ON_THE_WAY: Partial<Record<CommandStatus, CommandStatus[]>> = {
  dispatched: ['scheduled'],
  running: ['scheduled', 'dispatched', 'acknowledged'],
  succeeded: ['scheduled', 'dispatched', 'acknowledged', 'running'],
  failed: ['scheduled', 'dispatched', 'acknowledged', 'running'],
};

/** Moves a child as its agent and the dispatcher would (the store's guarded writes). */
const move = async (id: string, to: CommandStatus) => {
  const applied = await t.backends.db.commands.applyTransitions([
    {
      id,
      to,
      via: ON_THE_WAY[to] ?? [],
      at: clock.now(),
      ...(to === 'failed' && { error: { code: 'boom', message: 'failed' } }),
    },
  ]);
  expect(applied).toHaveLength(1);
};

const parentNow = (parent: Command) => t.services.commands.get(parent.id);

describe('BulkRollup', () => {
  it('moves a parent queued → running → succeeded, one event and one history entry per change', async () => {
    const { parent, children } = await bulk();
    expect(await t.services.rollup.run()).toBe(0);
    expect((await parentNow(parent)).history.map((e) => e.status)).toEqual(['queued']);

    await move(children[0], 'dispatched');
    expect(await t.services.rollup.run()).toBe(1);
    expect((await parentNow(parent)).history.at(-1)).toMatchObject({
      status: 'running',
      detail: '2 queued, 1 dispatched',
    });

    for (const id of children) await move(id, 'succeeded');
    clock.advance(1_000);
    expect(await t.services.rollup.run()).toBe(1);
    const done = await parentNow(parent);
    expect(done.status).toBe('succeeded');
    expect(done.history.map((e) => [e.status, e.detail])).toEqual([
      ['queued', undefined],
      ['running', '2 queued, 1 dispatched'],
      ['succeeded', '3 succeeded'],
    ]);
    expect(await statusEvents(t, parent.id)).toEqual([
      { actor: 'system', from: 'queued', to: 'running', path: ['running'], agentId: null },
      { actor: 'system', from: 'running', to: 'succeeded', path: ['succeeded'], agentId: null },
    ]);
  });

  it('writes nothing on a run with nothing changed, and never moves a finished parent', async () => {
    const { parent, children } = await bulk();
    await move(children[0], 'running');
    expect(await t.services.rollup.run()).toBe(1);
    const before = await parentNow(parent);
    const eventsBefore = await statusEvents(t, parent.id);
    expect(await t.services.rollup.run()).toBe(0);
    expect(await parentNow(parent)).toEqual(before);
    expect(await statusEvents(t, parent.id)).toEqual(eventsBefore);

    for (const id of children) await move(id, 'failed');
    expect(await t.services.rollup.run()).toBe(1);
    expect(await t.services.rollup.run()).toBe(0);
    expect((await parentNow(parent)).history.map((e) => e.status)).toEqual(['queued', 'running', 'failed']);
    expect(await statusEvents(t, parent.id)).toHaveLength(2);
  });

  it('ends partially_failed when some children succeeded and others did not, listing the counts', async () => {
    const { parent, children } = await bulk();
    await move(children[0], 'succeeded');
    await move(children[1], 'succeeded');
    await move(children[2], 'failed');
    expect(await t.services.rollup.run()).toBe(1);
    const done = await parentNow(parent);
    expect(done.status).toBe('partially_failed');
    // Straight from queued: the roll-up did not run while the children were under way.
    expect(done.history.map((e) => [e.status, e.detail])).toEqual([
      ['queued', undefined],
      ['partially_failed', '2 succeeded, 1 failed'],
    ]);
    const read = await t.services.commands.withChildren([done, await t.services.commands.get(children[0])]);
    expect(read[0]).toEqual({ command: done, children: { succeeded: 2, failed: 1 } });
    expect(read[1]).not.toHaveProperty('children');
  });

  it('ends failed when none succeeded, and expired when every child expired', async () => {
    const failing = await bulk();
    await move(failing.children[0], 'failed');
    await t.backends.db.commands.applyTransitions([
      { id: failing.children[1], to: 'cancel_requested', at: clock.now() },
      { id: failing.children[1], to: 'cancelled', at: clock.now() },
    ]);
    await move(failing.children[2], 'failed');
    const expiring = await bulk({ ttlSeconds: 30 });
    await move(expiring.children[0], 'dispatched');
    clock.advance(31_000);
    expect(await t.services.sweep.run()).toEqual({ expired: 3, timedOut: 0 });

    expect(await t.services.rollup.run()).toBe(2);
    expect(await parentNow(failing.parent)).toMatchObject({ status: 'failed' });
    expect((await parentNow(failing.parent)).history.at(-1)?.detail).toBe('2 failed, 1 cancelled');
    expect((await parentNow(expiring.parent)).history.map((e) => [e.status, e.detail])).toEqual([
      ['queued', undefined],
      ['expired', '3 expired'],
    ]);
    const counts = await t.services.commands.withChildren([await parentNow(expiring.parent)]);
    expect(counts[0]?.children).toEqual({ expired: 3 });
  });

  it('follows the children of a capability target, placed or not', async () => {
    const created = await t.services.commands.create(t.admin, {
      type: 'ping',
      target: { kind: 'capability', capability: 'scan', count: 2 },
    });
    expect(await t.services.rollup.run()).toBe(0);
    const [placed] = created.children as [Command];
    await t.backends.db.commands.applyTransitions([
      { id: placed.id, to: 'scheduled', at: clock.now(), assignAgentId: 'a1' },
    ]);
    // Placed but not sent is still waiting, for the parent too.
    expect(await t.services.rollup.run()).toBe(0);
    await move(placed.id, 'dispatched');
    expect(await t.services.rollup.run()).toBe(1);
    expect((await parentNow(created.command)).history.at(-1)).toMatchObject({
      status: 'running',
      detail: '1 queued, 1 dispatched',
    });
  });
});

describe('describeCounts', () => {
  it('lists the non-zero counts in lifecycle order', () => {
    expect(describeCounts({ failed: 1, expired: 0, succeeded: 2, queued: 3 })).toBe(
      '3 queued, 2 succeeded, 1 failed',
    );
    expect(describeCounts({})).toBe('');
  });
});
