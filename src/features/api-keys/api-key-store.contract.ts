// The ApiKeyStore contract, run by every implementation through describeApiKeyStoreContract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import type { ApiKey } from './api-key.js';

const T = Date.UTC(2026, 0, 1);

const apiKey = (id: string, overrides: Partial<ApiKey> = {}): ApiKey => ({
  id,
  name: `key ${id}`,
  role: 'operator',
  keyHash: `key-hash-${id}`,
  hint: 'cak_AbCd',
  createdAt: T,
  createdBy: 'system',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: null,
  ...overrides,
});

export function describeApiKeyStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`ApiKeyStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores a key and finds it by id and by hash', async () => {
      const key = apiKey('k1', { role: 'admin', expiresAt: T + 1_000, lastUsedAt: T + 5 });
      await db.apiKeys.insert(key);
      expect(await db.apiKeys.get('k1')).toEqual(key);
      expect(await db.apiKeys.findByHash('key-hash-k1')).toEqual(key);
      expect(await db.apiKeys.get('k2')).toBeUndefined();
      expect(await db.apiKeys.findByHash('key-hash-k2')).toBeUndefined();
    });

    it('refuses a duplicate id or hash', async () => {
      await db.apiKeys.insert(apiKey('k1'));
      await expect(db.apiKeys.insert(apiKey('k1', { keyHash: 'x' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      await expect(db.apiKeys.insert(apiKey('k2', { keyHash: 'key-hash-k1' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
    });

    it('revokes once and keeps the first revocation time', async () => {
      await db.apiKeys.insert(apiKey('k1'));
      expect(await db.apiKeys.revoke('k1', T + 5)).toBe(true);
      expect(await db.apiKeys.revoke('k1', T + 9)).toBe(false);
      expect((await db.apiKeys.get('k1'))?.revokedAt).toBe(T + 5);
      expect(await db.apiKeys.revoke('nope', T)).toBe(false);
    });

    it('records the last use, never moving it backwards', async () => {
      await db.apiKeys.insert(apiKey('k1'));
      await db.apiKeys.touch('k1', T + 10);
      expect((await db.apiKeys.get('k1'))?.lastUsedAt).toBe(T + 10);
      await db.apiKeys.touch('k1', T + 5);
      expect((await db.apiKeys.get('k1'))?.lastUsedAt).toBe(T + 10);
      await db.apiKeys.touch('k1', T + 20);
      expect((await db.apiKeys.get('k1'))?.lastUsedAt).toBe(T + 20);
      await expect(db.apiKeys.touch('nope', T)).resolves.toBeUndefined();
    });

    it('counts every key, revoked ones included', async () => {
      expect(await db.apiKeys.count()).toBe(0);
      await db.apiKeys.insert(apiKey('k1'));
      await db.apiKeys.insert(apiKey('k2'));
      await db.apiKeys.revoke('k2', T);
      expect(await db.apiKeys.count()).toBe(2);
    });

    it('lists keys by id in pages', async () => {
      for (const id of ['k3', 'k1', 'k2']) await db.apiKeys.insert(apiKey(id));
      const first = await db.apiKeys.list({ limit: 2 });
      expect(first.items.map((k) => k.id)).toEqual(['k1', 'k2']);
      expect(first.nextAfterId).toBe('k2');
      expect(await db.apiKeys.list({ afterId: 'k2', limit: 2 })).toEqual({
        items: [apiKey('k3')],
        nextAfterId: undefined,
      });
      expect(await db.apiKeys.list({ limit: 3 })).toMatchObject({ nextAfterId: undefined });
      await expect(db.apiKeys.list({ limit: -1 })).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    });
  });
}
