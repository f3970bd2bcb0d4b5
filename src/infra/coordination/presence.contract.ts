// The Presence contract, with the PresenceKeeper publishing over it:
// MemoryPresence and RedisPresence both run this suite
// (memory-presence.test.ts, redis-presence.int.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import type { ContractSubject, OpenSubject } from '../contract-subject.fixtures.js';
import { PresenceKeeper } from './presence-keeper.js';
import type { InstanceInfo, Presence } from './presence.js';

const LONG = 60_000;
const poll = (description: string) => ({ description, timeoutMs: 10_000, intervalMs: 20 });
const info = (agents: number): InstanceInfo => ({
  agents,
  address: '10.0.0.1:50051',
  startedAt: 1_767_225_600_000,
  version: '1.2.3',
});

export function describePresenceContract(name: string, open: OpenSubject<Presence>): void {
  describe(`Presence contract (${name})`, () => {
    let subject: ContractSubject<Presence>;
    let presence: Presence;
    const keepers: PresenceKeeper[] = [];
    beforeEach(async () => {
      subject = await open();
      presence = subject.first;
    });
    afterEach(async () => {
      await Promise.all(keepers.splice(0).map((keeper) => keeper.stop()));
      await subject.close();
    });

    describe('agents', () => {
      it('tells where agents are, seen from any instance; agents recorded nowhere are absent', async () => {
        await subject.first.setPresence(['a1', 'a2'], 'i1', LONG);
        await subject.second.setPresence(['a3'], 'i2', LONG);
        expect(await subject.second.whereIs(['a1', 'a2', 'a3', 'ghost'])).toEqual(
          new Map([
            ['a1', 'i1'],
            ['a2', 'i1'],
            ['a3', 'i2'],
          ]),
        );
        expect(await presence.whereIs([])).toEqual(new Map());
      });

      it('records an agent that moved on the instance that set it last', async () => {
        await subject.first.setPresence(['a1'], 'i1', LONG);
        await subject.second.setPresence(['a1'], 'i2', LONG);
        expect(await presence.whereIs(['a1'])).toEqual(new Map([['a1', 'i2']]));
      });

      it('removes an agent only for the instance that holds it', async () => {
        await presence.setPresence(['a1', 'a2'], 'i1', LONG);
        await subject.second.setPresence(['a2'], 'i2', LONG);
        // i1 closes both streams late: a2 has moved to i2 already and stays there.
        await presence.removePresence(['a1', 'a2'], 'i1');
        expect(await presence.whereIs(['a1', 'a2'])).toEqual(new Map([['a2', 'i2']]));
        await presence.removePresence([], 'i1');
      });

      it('lets entries expire when their instance stops refreshing them', async () => {
        await presence.setPresence(['short'], 'dead', 200);
        await presence.setPresence(['long'], 'alive', LONG);
        await subject.elapse(200);
        await waitFor(
          () => presence.whereIs(['short', 'long']),
          (found) => !found.has('short'),
          poll('the entry to expire'),
        );
        expect(await presence.whereIs(['long'])).toEqual(new Map([['long', 'alive']]));
      });

      it('takes and answers many agents in one call', async () => {
        const ids = Array.from({ length: 12_345 }, (_, i) => `agent-${i}`);
        await presence.setPresence(ids, 'i1', LONG);
        const found = await subject.second.whereIs([...ids, 'ghost']);
        expect(found.size).toBe(ids.length);
        expect(found.get('agent-12344')).toBe('i1');
        await presence.removePresence(ids.slice(0, 10_000), 'i1');
        expect((await presence.whereIs(ids)).size).toBe(2_345);
      });
    });

    describe('instances', () => {
      it('lists live instances with what they said, by id, until they leave', async () => {
        expect(await presence.liveInstances()).toEqual([]);
        await subject.second.heartbeatInstance('i2', info(5), LONG);
        await presence.heartbeatInstance('i1', info(3), LONG);
        await presence.heartbeatInstance('i1', info(4), LONG);
        const live = await presence.liveInstances();
        expect(live.map(({ seenAt: _, ...rest }) => rest)).toEqual([
          { instanceId: 'i1', ...info(4) },
          { instanceId: 'i2', ...info(5) },
        ]);
        expect(live.every((instance) => typeof instance.seenAt === 'number')).toBe(true);
        await subject.second.removeInstance('i1');
        expect((await presence.liveInstances()).map((i) => i.instanceId)).toEqual(['i2']);
      });

      it('drops an instance whose heartbeats stop', async () => {
        await presence.heartbeatInstance('dead', info(1), 200);
        await presence.heartbeatInstance('alive', info(1), LONG);
        await subject.elapse(200);
        const live = await waitFor(
          () => subject.second.liveInstances(),
          (instances) => instances.length === 1,
          poll('the dead instance to drop out'),
        );
        expect(live[0]?.instanceId).toBe('alive');
      });
    });

    describe('PresenceKeeper', () => {
      const keeper = (instanceId: string, on: Presence, ttlMs = LONG) => {
        const made = new PresenceKeeper(on, {
          instanceId,
          ttlMs,
          info: () => ({ address: `${instanceId}:50051`, startedAt: 1, version: '1.2.3' }),
          batchDelayMs: 10,
        });
        keepers.push(made);
        return made;
      };

      it('publishes its instance on start and the agents added and removed, in batches', async () => {
        const k = keeper('i1', subject.first);
        await k.start();
        expect((await presence.liveInstances()).map((i) => [i.instanceId, i.agents])).toEqual([['i1', 0]]);
        for (const id of ['a1', 'a2', 'a3']) k.add(id);
        k.remove('a2');
        await waitFor(
          () => subject.second.whereIs(['a1', 'a2', 'a3']),
          (found) => found.size === 2,
          poll('the additions to be published'),
        );
        expect(await presence.whereIs(['a1', 'a2', 'a3'])).toEqual(
          new Map([
            ['a1', 'i1'],
            ['a3', 'i1'],
          ]),
        );
        k.remove('a1');
        k.add('a2');
        await k.refresh();
        expect(await presence.whereIs(['a1', 'a2', 'a3'])).toEqual(
          new Map([
            ['a2', 'i1'],
            ['a3', 'i1'],
          ]),
        );
        expect((await presence.liveInstances())[0]?.agents).toBe(2);
      });

      it('keeps entries alive past their time to live by refreshing them', async () => {
        const ttlMs = 4500;
        const k = keeper('i1', subject.first, ttlMs);
        await k.start();
        k.add('a1');
        await k.flushChanges();
        // Past the time to live in real time: only refreshes can have kept them.
        await new Promise((resolve) => setTimeout(resolve, ttlMs + 1000));
        expect(await presence.whereIs(['a1'])).toEqual(new Map([['a1', 'i1']]));
        expect((await presence.liveInstances()).map((i) => i.instanceId)).toEqual(['i1']);
      });

      it('withdraws its agents and itself on stop, leaving an agent that moved elsewhere', async () => {
        const k = keeper('i1', subject.first);
        await k.start();
        k.add('a1');
        k.add('a2');
        await k.flushChanges();
        await subject.second.setPresence(['a2'], 'i2', LONG);
        await k.stop();
        expect(await presence.whereIs(['a1', 'a2'])).toEqual(new Map([['a2', 'i2']]));
        expect(await presence.liveInstances()).toEqual([]);
      });
    });
  });
}
