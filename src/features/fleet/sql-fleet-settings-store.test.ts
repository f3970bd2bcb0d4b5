// FleetSettingsStore on every test database: SQLite in memory and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';

eachTestDatabase((backend, open) => {
  describe(`FleetSettingsStore (${backend})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(() => db.close());

    it('has nothing for a setting never put', async () => {
      expect(await db.fleetSettings.get('maintenance')).toBeUndefined();
    });

    it('keeps a JSON value with who set it and when, and replaces it', async () => {
      await db.fleetSettings.put('maintenance', { value: { enabled: true }, updatedAt: 5, updatedBy: 'a' });
      await db.fleetSettings.put('other', { value: 1, updatedAt: 6, updatedBy: 'b' });
      await db.fleetSettings.put('maintenance', { value: { enabled: false }, updatedAt: 7, updatedBy: 'c' });
      expect(await db.fleetSettings.get('maintenance')).toEqual({
        value: { enabled: false },
        updatedAt: 7,
        updatedBy: 'c',
      });
      expect(await db.fleetSettings.get('other')).toEqual({ value: 1, updatedAt: 6, updatedBy: 'b' });
    });

    it('writes with the transaction it is part of, or not at all', async () => {
      await expect(
        db.transaction(async (stores) => {
          await stores.fleetSettings.put('maintenance', { value: true, updatedAt: 1, updatedBy: 'a' });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await db.fleetSettings.get('maintenance')).toBeUndefined();
    });
  });
});
