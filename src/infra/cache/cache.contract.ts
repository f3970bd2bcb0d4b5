// The Cache contract: MemoryCache and RedisCache both run this suite
// (memory-cache.test.ts, redis-cache.int.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/wait-for.js';
import type { ContractSubject, OpenSubject } from '../contract-subject.fixtures.js';
import type { Cache } from './cache.js';

const LONG = 60_000;

export function describeCacheContract(name: string, open: OpenSubject<Cache>): void {
  describe(`Cache contract (${name})`, () => {
    let subject: ContractSubject<Cache>;
    let cache: Cache;
    beforeEach(async () => {
      subject = await open();
      cache = subject.first;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('answers undefined for a key never set', async () => {
      expect(await cache.get('nothing')).toBeUndefined();
    });

    it('returns what was set, as plain data', async () => {
      const session = {
        id: 's1',
        agentId: 'a1',
        expiresAt: 1_767_225_600_000,
        peer: 'ipv4:10.0.0.1:5000',
        nested: { list: [1, 'two', null, { deep: true }], empty: {} },
        revokedAt: null,
        unicode: 'naïve ✓',
      };
      await cache.set('session:x', session, LONG);
      expect(await cache.get('session:x')).toEqual(session);
      await cache.set('number', 42, LONG);
      await cache.set('text', 'plain', LONG);
      expect(await cache.get('number')).toBe(42);
      expect(await cache.get('text')).toBe('plain');
    });

    it('keeps keys apart and replaces a value set again', async () => {
      await cache.set('k1', { v: 1 }, LONG);
      await cache.set('k2', { v: 2 }, LONG);
      await cache.set('k1', { v: 3 }, LONG);
      expect(await cache.get('k1')).toEqual({ v: 3 });
      expect(await cache.get('k2')).toEqual({ v: 2 });
    });

    it('forgets a deleted key, and deleting a missing key is fine', async () => {
      await cache.set('k', 'v', LONG);
      await cache.delete('k');
      await cache.delete('never-there');
      expect(await cache.get('k')).toBeUndefined();
    });

    it('lets a value expire after its time to live, keeping the others', async () => {
      await cache.set('short', 'v', 150);
      await cache.set('long', 'v', LONG);
      await subject.elapse(150);
      await waitFor(
        () => cache.get('short'),
        (value) => value === undefined,
        {
          description: 'the short-lived value to expire',
          timeoutMs: 5000,
          intervalMs: 20,
        },
      );
      expect(await cache.get('long')).toBe('v');
    });

    it('a new set renews the time to live', async () => {
      await cache.set('k', 'v1', 150);
      await cache.set('k', 'v2', LONG);
      await subject.elapse(300);
      expect(await cache.get('k')).toBe('v2');
    });

    it('shares values between the instances that use it', async () => {
      await subject.first.set('shared', { by: 'first' }, LONG);
      expect(await subject.second.get('shared')).toEqual({ by: 'first' });
      await subject.second.delete('shared');
      expect(await subject.first.get('shared')).toBeUndefined();
    });

    it('answers ping while it is reachable', async () => {
      await expect(cache.ping()).resolves.toBeUndefined();
    });
  });
}
