// The Leases contract, with the LeaderLease keeping leases over it:
// MemoryLeases and RedisLeases both run this suite (memory-leases.test.ts,
// redis-leases.int.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import type { ContractSubject, OpenSubject } from '../contract-subject.fixtures.js';
import { LeaderLease } from './leader-lease.js';
import type { Leases } from './leases.js';

const LONG = 60_000;
const poll = (description: string) => ({ description, timeoutMs: 10_000, intervalMs: 20 });

export function describeLeasesContract(name: string, open: OpenSubject<Leases>): void {
  describe(`Leases contract (${name})`, () => {
    let subject: ContractSubject<Leases>;
    let leases: Leases;
    const keepers: LeaderLease[] = [];
    beforeEach(async () => {
      subject = await open();
      leases = subject.first;
    });
    afterEach(async () => {
      await Promise.all(keepers.splice(0).map((keeper) => keeper.stop()));
      await subject.close();
    });

    describe('acquire, renew, release', () => {
      it('gives a free lease to the first holder only', async () => {
        expect(await leases.holder('sweep')).toBeUndefined();
        expect(await leases.acquire('sweep', 'a', LONG)).toBe(true);
        expect(await subject.second.acquire('sweep', 'b', LONG)).toBe(false);
        expect(await subject.second.holder('sweep')).toBe('a');
      });

      it('lets the holder acquire again (extending) and keeps names apart', async () => {
        expect(await leases.acquire('sweep', 'a', LONG)).toBe(true);
        expect(await leases.acquire('sweep', 'a', LONG)).toBe(true);
        expect(await leases.acquire('relay', 'b', LONG)).toBe(true);
        expect(await leases.holder('sweep')).toBe('a');
        expect(await leases.holder('relay')).toBe('b');
      });

      it('renews and releases for the holder only', async () => {
        await leases.acquire('sweep', 'a', LONG);
        expect(await subject.second.renew('sweep', 'b', LONG)).toBe(false);
        expect(await subject.second.release('sweep', 'b')).toBe(false);
        expect(await leases.holder('sweep')).toBe('a');
        expect(await leases.renew('sweep', 'a', LONG)).toBe(true);
        expect(await leases.release('sweep', 'a')).toBe(true);
        expect(await leases.holder('sweep')).toBeUndefined();
        expect(await subject.second.acquire('sweep', 'b', LONG)).toBe(true);
      });

      it('does not renew or release a lease nobody holds', async () => {
        expect(await leases.renew('sweep', 'a', LONG)).toBe(false);
        expect(await leases.release('sweep', 'a')).toBe(false);
        expect(await leases.holder('sweep')).toBeUndefined();
      });

      it('gives the lease to exactly one of many holders racing from two instances', async () => {
        for (let round = 0; round < 5; round++) {
          const name = `race-${round}`;
          const attempts = Array.from({ length: 20 }, (_, i) =>
            (i % 2 === 0 ? subject.first : subject.second).acquire(name, `holder-${i}`, LONG),
          );
          const won = (await Promise.all(attempts)).flatMap((ok, i) => (ok ? [`holder-${i}`] : []));
          expect(won).toHaveLength(1);
          expect(await leases.holder(name)).toBe(won[0]);
        }
      });
    });

    describe('expiry', () => {
      it('frees the lease of a holder that stopped renewing, for another to take', async () => {
        await leases.acquire('sweep', 'dead', 200);
        expect(await subject.second.acquire('sweep', 'next', LONG)).toBe(false);
        await subject.elapse(200);
        await waitFor(
          () => subject.second.acquire('sweep', 'next', LONG),
          Boolean,
          poll('the lease to expire'),
        );
        expect(await leases.holder('sweep')).toBe('next');
        expect(await leases.renew('sweep', 'dead', LONG)).toBe(false);
      });

      it('counts the time to live from the last renewal', async () => {
        await leases.acquire('sweep', 'a', 200);
        await leases.renew('sweep', 'a', LONG);
        await subject.elapse(400);
        expect(await leases.holder('sweep')).toBe('a');
      });
    });

    describe('LeaderLease', () => {
      const keeper = (instanceId: string, on: Leases, ttlMs = 300) => {
        const made = new LeaderLease(on, { name: 'leader', instanceId, ttlMs, clock: subject.clock });
        keepers.push(made);
        return made;
      };

      it('leads at once when alone, holding the lease under its token, and releases it on stop', async () => {
        const a = keeper('instance-a', subject.first);
        const changes: boolean[] = [];
        a.onChange((leader) => changes.push(leader));
        await a.start();
        expect(a.isLeader).toBe(true);
        expect(a.holder.startsWith('instance-a/')).toBe(true);
        expect(await leases.holder('leader')).toBe(a.holder);
        await a.stop();
        expect(a.isLeader).toBe(false);
        expect(changes).toEqual([true, false]);
        expect(await leases.holder('leader')).toBeUndefined();
      });

      it('keeps the lead by renewing, while a second keeper waits; the second takes over on stop', async () => {
        const ttlMs = 4500;
        const a = keeper('instance-a', subject.first, ttlMs);
        const b = keeper('instance-b', subject.second, ttlMs);
        await a.start();
        await b.start();
        expect([a.isLeader, b.isLeader]).toEqual([true, false]);
        // Past the time to live in real time: only renewals can have kept the lease.
        await new Promise((resolve) => setTimeout(resolve, ttlMs + 1000));
        expect(await leases.holder('leader')).toBe(a.holder);
        expect([a.isLeader, b.isLeader]).toEqual([true, false]);
        await a.stop();
        await waitFor(async () => b.isLeader, Boolean, poll('b to take the lead'));
        expect(await leases.holder('leader')).toBe(b.holder);
      });

      it('notices a lost lease: steps down, tells its listeners, and leads again once it is free', async () => {
        const a = keeper('instance-a', subject.first);
        const changes: boolean[] = [];
        a.onChange((leader) => changes.push(leader));
        await a.start();
        // Someone else ends up holding it (as after a failover that lost the key).
        expect(await subject.second.release('leader', a.holder)).toBe(true);
        expect(await subject.second.acquire('leader', 'intruder', LONG)).toBe(true);
        await waitFor(
          async () => a.isLeader,
          (leader) => !leader,
          poll('a to step down'),
        );
        expect(changes).toEqual([true, false]);
        await subject.second.release('leader', 'intruder');
        await waitFor(async () => a.isLeader, Boolean, poll('a to lead again'));
        expect(changes).toEqual([true, false, true]);
      });

      it('never has two leaders among keepers competing for one lease', async () => {
        const all = Array.from({ length: 6 }, (_, i) =>
          keeper(`instance-${i}`, i % 2 === 0 ? subject.first : subject.second),
        );
        let most = 0;
        const sampler = setInterval(() => {
          most = Math.max(most, all.filter((k) => k.isLeader).length);
        }, 2);
        try {
          await Promise.all(all.map((k) => k.start()));
          for (let round = 0; round < 3; round++) {
            const leader = await waitFor(
              async () => all.filter((k) => k.isLeader),
              (leaders) => leaders.length === 1,
              poll('one leader'),
            );
            expect(await leases.holder('leader')).toBe(leader[0]?.holder);
            await leader[0]?.stop();
            all.splice(all.indexOf(leader[0] as LeaderLease), 1);
          }
        } finally {
          clearInterval(sampler);
        }
        expect(most).toBe(1);
      });
    });
  });
}
