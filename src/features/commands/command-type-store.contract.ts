// The CommandTypeStore contract, run by every implementation through
// describeCommandTypeStoreContract: names are unique, a replace or delete at a
// stale revision changes nothing, and concurrent replaces of one revision let
// exactly one through.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import type { CommandTypeReplacement, StoredCommandType } from './command-type-store.js';

const T = Date.UTC(2026, 0, 1);

const stored = (name: string, overrides: Partial<StoredCommandType> = {}): StoredCommandType => ({
  name,
  description: `type ${name}`,
  schema: {
    type: 'object',
    properties: { target: { type: 'string', enum: ['memory', 'disk'] } },
    required: ['target'],
    additionalProperties: false,
  },
  example: { target: 'memory' },
  createdAt: T,
  createdBy: 'api_key:k1',
  updatedAt: T,
  updatedBy: 'api_key:k1',
  revision: 1,
  ...overrides,
});

const replacement = (description: string, at = T + 1_000): CommandTypeReplacement => ({
  description,
  schema: { type: 'object', properties: { depth: { type: 'integer', minimum: 1 } } },
  example: null,
  updatedAt: at,
  updatedBy: 'api_key:k2',
});

export function describeCommandTypeStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`CommandTypeStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores a type and reads it back exactly, schema and example included', async () => {
      await db.commandTypes.insert(stored('custom:dump'));
      await db.commandTypes.insert(stored('custom:bare', { example: null, description: '' }));
      expect(await db.commandTypes.get('custom:dump')).toEqual(stored('custom:dump'));
      expect(await db.commandTypes.get('custom:bare')).toEqual(
        stored('custom:bare', { example: null, description: '' }),
      );
      expect(await db.commandTypes.get('custom:nope')).toBeUndefined();
    });

    it('refuses a name that is taken with already_exists and keeps the first', async () => {
      await db.commandTypes.insert(stored('custom:dump'));
      await expect(
        db.commandTypes.insert(stored('custom:dump', { description: 'second' })),
      ).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
      expect((await db.commandTypes.get('custom:dump'))?.description).toBe('type custom:dump');
    });

    it('lists every type by name and counts them', async () => {
      expect(await db.commandTypes.list()).toEqual([]);
      expect(await db.commandTypes.count()).toBe(0);
      for (const n of ['custom:c', 'custom:a', 'custom:b']) await db.commandTypes.insert(stored(n));
      expect((await db.commandTypes.list()).map((t) => t.name)).toEqual(['custom:a', 'custom:b', 'custom:c']);
      expect(await db.commandTypes.count()).toBe(3);
    });

    it('replaces at the expected revision, bumping it and keeping the creation facts', async () => {
      await db.commandTypes.insert(stored('custom:dump'));
      const replaced = await db.commandTypes.replace('custom:dump', replacement('v2'), 1);
      const expected = {
        ...stored('custom:dump'),
        ...replacement('v2'),
        revision: 2,
      };
      expect(replaced).toEqual(expected);
      expect(await db.commandTypes.get('custom:dump')).toEqual(expected);
    });

    it('refuses a replace at a stale revision and changes nothing', async () => {
      await db.commandTypes.insert(stored('custom:dump', { revision: 3 }));
      expect(await db.commandTypes.replace('custom:dump', replacement('stale'), 2)).toBeUndefined();
      expect(await db.commandTypes.get('custom:dump')).toEqual(stored('custom:dump', { revision: 3 }));
      expect(await db.commandTypes.replace('custom:nope', replacement('x'), 1)).toBeUndefined();
      expect(await db.commandTypes.replace('custom:nope', replacement('x'))).toBeUndefined();
    });

    it('replaces unconditionally without an expected revision', async () => {
      await db.commandTypes.insert(stored('custom:dump', { revision: 7 }));
      expect(await db.commandTypes.replace('custom:dump', replacement('any'))).toMatchObject({
        description: 'any',
        revision: 8,
      });
    });

    it('lets exactly one of two concurrent replaces of the same revision through', async () => {
      await db.commandTypes.insert(stored('custom:dump'));
      const results = await Promise.all([
        db.commandTypes.replace('custom:dump', replacement('first'), 1),
        db.commandTypes.replace('custom:dump', replacement('second'), 1),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const winner = results.find((r) => r !== undefined);
      expect(await db.commandTypes.get('custom:dump')).toEqual(winner);
      expect(winner?.revision).toBe(2);
    });

    it('deletes once, at the expected revision when one is given', async () => {
      await db.commandTypes.insert(stored('custom:a', { revision: 2 }));
      await db.commandTypes.insert(stored('custom:b'));
      expect(await db.commandTypes.delete('custom:a', 1)).toBe(false);
      expect(await db.commandTypes.get('custom:a')).toBeDefined();
      expect(await db.commandTypes.delete('custom:a', 2)).toBe(true);
      expect(await db.commandTypes.delete('custom:a')).toBe(false);
      expect(await db.commandTypes.delete('custom:b')).toBe(true);
      expect(await db.commandTypes.list()).toEqual([]);
    });

    it('registers the name again after a delete, starting over at revision 1', async () => {
      await db.commandTypes.insert(stored('custom:dump', { revision: 4 }));
      await db.commandTypes.delete('custom:dump');
      await db.commandTypes.insert(stored('custom:dump'));
      expect((await db.commandTypes.get('custom:dump'))?.revision).toBe(1);
    });

    it('commits and rolls back with the unit of work', async () => {
      await db.transaction(async (stores) => stores.commandTypes.insert(stored('custom:kept')));
      await expect(
        db.transaction(async (stores) => {
          await stores.commandTypes.insert(stored('custom:lost'));
          await stores.commandTypes.delete('custom:kept');
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      expect((await db.commandTypes.list()).map((t) => t.name)).toEqual(['custom:kept']);
    });
  });
}
