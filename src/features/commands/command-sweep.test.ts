import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { TimeOrderedIds } from '../../shared/ids.js';
import { EventFactory } from '../events/event-factory.js';
import { CommandSweep } from './command-sweep.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
  await enrollTestAgent(t, 'a1');
});
afterEach(() => t.close());

describe('CommandSweep', () => {
  it('expires commands that never reached an agent and times out those past their deadline', async () => {
    const waiting = await t.services.commands.create(t.admin, {
      type: 'ping',
      target: { kind: 'agent', agentId: 'a1' },
      ttlSeconds: 60,
      timeoutSeconds: 600,
    });
    const running = await t.services.commands.create(t.admin, {
      type: 'scan',
      target: { kind: 'agent', agentId: 'a1' },
      ttlSeconds: 60,
      timeoutSeconds: 120,
    });
    await t.backends.db.commands.applyTransitions(
      ['scheduled', 'dispatched', 'acknowledged', 'running'].map((to) => ({
        id: running.command.id,
        to: to as 'running',
        at: clock.now(),
      })),
    );
    const ended: string[] = [];
    const sweep = new CommandSweep(
      t.backends.db,
      new EventFactory(new TimeOrderedIds(clock), clock),
      clock,
      (applied) => ended.push(...applied.map((a) => `${a.id}:${a.path.join('>')}`)),
      1,
    );
    expect(await sweep.run()).toEqual({ expired: 0, timedOut: 0 });
    clock.advance(61_000);
    expect(await sweep.run()).toEqual({ expired: 1, timedOut: 0 });
    expect(ended).toEqual([`${waiting.command.id}:expired`]);
    expect((await t.services.commands.get(waiting.command.id)).status).toBe('expired');
    expect((await t.services.commands.get(running.command.id)).status).toBe('running');
    clock.advance(60_000);
    expect(await sweep.run()).toEqual({ expired: 0, timedOut: 1 });
    expect(await t.services.commands.get(running.command.id)).toMatchObject({
      status: 'timed_out',
      error: { code: 'timed_out' },
    });
    expect(ended).toEqual([`${waiting.command.id}:expired`, `${running.command.id}:timed_out`]);
    const events = await t.backends.db.events.list(
      { types: ['command_status_changed'] },
      { limit: 10, order: 'asc' },
    );
    expect(events.items.map((e) => [e.subject.id, e.data.to, e.actor])).toEqual([
      [waiting.command.id, 'expired', 'system'],
      [running.command.id, 'timed_out', 'system'],
    ]);
  });
});
