// The EnrollmentSecretStore contract, run by every implementation through
// describeEnrollmentSecretStoreContract. consume() must agree with secretState().
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { secretState, type EnrollmentSecret } from './enrollment-secret.js';

const T = Date.UTC(2026, 0, 1);

const secret = (id: string, overrides: Partial<EnrollmentSecret> = {}): EnrollmentSecret => ({
  id,
  name: `secret ${id}`,
  secretHash: `secret-hash-${id}`,
  hint: 'ces_AbCd',
  groupId: null,
  maxUses: null,
  uses: 0,
  expiresAt: null,
  revokedAt: null,
  createdAt: T,
  createdBy: 'api_key:k1',
  ...overrides,
});

export function describeEnrollmentSecretStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`EnrollmentSecretStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores a secret and finds it by id and by hash', async () => {
      const s = secret('e1', { groupId: 'g1', maxUses: 5, uses: 2, expiresAt: T + 60_000 });
      await db.enrollmentSecrets.insert(s);
      expect(await db.enrollmentSecrets.get('e1')).toEqual(s);
      expect(await db.enrollmentSecrets.findByHash('secret-hash-e1')).toEqual(s);
      expect(await db.enrollmentSecrets.get('e2')).toBeUndefined();
      expect(await db.enrollmentSecrets.findByHash('secret-hash-e2')).toBeUndefined();
    });

    it('refuses a duplicate id or hash', async () => {
      await db.enrollmentSecrets.insert(secret('e1'));
      await expect(db.enrollmentSecrets.insert(secret('e1', { secretHash: 'x' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      await expect(
        db.enrollmentSecrets.insert(secret('e2', { secretHash: 'secret-hash-e1' })),
      ).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
    });

    describe('consume', () => {
      it('counts every use of an unlimited secret', async () => {
        await db.enrollmentSecrets.insert(secret('e1'));
        for (let i = 0; i < 3; i++) expect(await db.enrollmentSecrets.consume('e1', T)).toBe(true);
        expect((await db.enrollmentSecrets.get('e1'))?.uses).toBe(3);
      });

      it('stops at maxUses', async () => {
        await db.enrollmentSecrets.insert(secret('e1', { maxUses: 2 }));
        expect(await db.enrollmentSecrets.consume('e1', T)).toBe(true);
        expect(await db.enrollmentSecrets.consume('e1', T)).toBe(true);
        expect(await db.enrollmentSecrets.consume('e1', T)).toBe(false);
        expect((await db.enrollmentSecrets.get('e1'))?.uses).toBe(2);
      });

      it('never overspends under concurrent use', async () => {
        await db.enrollmentSecrets.insert(secret('e1', { maxUses: 3 }));
        const results = await Promise.all(
          Array.from({ length: 10 }, () => db.enrollmentSecrets.consume('e1', T)),
        );
        expect(results.filter(Boolean)).toHaveLength(3);
        expect((await db.enrollmentSecrets.get('e1'))?.uses).toBe(3);
      });

      it('refuses an expired secret, expiry instant included', async () => {
        await db.enrollmentSecrets.insert(secret('e1', { expiresAt: T + 100 }));
        expect(await db.enrollmentSecrets.consume('e1', T + 100)).toBe(false);
        expect(await db.enrollmentSecrets.consume('e1', T + 99)).toBe(true);
        expect((await db.enrollmentSecrets.get('e1'))?.uses).toBe(1);
      });

      it('refuses a revoked or unknown secret', async () => {
        await db.enrollmentSecrets.insert(secret('e1'));
        await db.enrollmentSecrets.revoke('e1', T);
        expect(await db.enrollmentSecrets.consume('e1', T)).toBe(false);
        expect((await db.enrollmentSecrets.get('e1'))?.uses).toBe(0);
        expect(await db.enrollmentSecrets.consume('nope', T)).toBe(false);
      });

      it('agrees with secretState for every kind of secret', async () => {
        const cases = [
          secret('c1'),
          secret('c2', { maxUses: 1, uses: 1 }),
          secret('c3', { maxUses: 2, uses: 1 }),
          secret('c4', { expiresAt: T }),
          secret('c5', { expiresAt: T + 1 }),
          secret('c6', { revokedAt: T - 1 }),
          secret('c7', { revokedAt: T - 1, maxUses: 1, uses: 1, expiresAt: T - 1 }),
        ];
        for (const s of cases) {
          await db.enrollmentSecrets.insert(s);
          expect({ id: s.id, consumed: await db.enrollmentSecrets.consume(s.id, T) }).toEqual({
            id: s.id,
            consumed: secretState(s, T) === 'active',
          });
        }
      });
    });

    it('revokes once and keeps the first revocation time', async () => {
      await db.enrollmentSecrets.insert(secret('e1'));
      expect(await db.enrollmentSecrets.revoke('e1', T + 5)).toBe(true);
      expect(await db.enrollmentSecrets.revoke('e1', T + 9)).toBe(false);
      expect((await db.enrollmentSecrets.get('e1'))?.revokedAt).toBe(T + 5);
      expect(await db.enrollmentSecrets.revoke('nope', T)).toBe(false);
    });

    it('lists secrets by id in pages', async () => {
      for (const id of ['e3', 'e1', 'e2']) await db.enrollmentSecrets.insert(secret(id));
      const first = await db.enrollmentSecrets.list({ limit: 2 });
      expect(first.items.map((s) => s.id)).toEqual(['e1', 'e2']);
      expect(first.nextAfterId).toBe('e2');
      expect(await db.enrollmentSecrets.list({ afterId: 'e2', limit: 2 })).toEqual({
        items: [secret('e3')],
        nextAfterId: undefined,
      });
      expect(await db.enrollmentSecrets.list({ limit: 3 })).toMatchObject({ nextAfterId: undefined });
      await expect(db.enrollmentSecrets.list({ limit: 0 })).rejects.toMatchObject({
        code: ErrorCode.InvalidArgument,
      });
    });
  });
}
