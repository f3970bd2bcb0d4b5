// The AuditStore contract, run by every implementation through describeAuditStoreContract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import type { AuditEntry, AuditFilter } from './audit-entry.js';

const T = Date.UTC(2026, 0, 1);

const entry = (id: string, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  id,
  at: T,
  actor: 'api_key:k1',
  actorName: 'ops key',
  action: 'agent.unregister',
  targetKind: 'agent',
  targetId: 'a1',
  outcome: 'success',
  errorCode: null,
  requestId: 'req-1',
  details: { fields: ['name'], nested: { n: 1 } },
  ...overrides,
});

export function describeAuditStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`AuditStore contract (${name})`, () => {
    let db: Database;
    const ids = async (filter: AuditFilter) =>
      (await db.audit.list(filter, { limit: 10 })).items.map((e) => e.id);

    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('appends entries and returns them whole', async () => {
      const failed = entry('u1', {
        outcome: 'failure',
        errorCode: 'not_found',
        targetId: null,
        requestId: null,
        details: {},
      });
      await db.audit.append(failed);
      expect(await db.audit.list({}, { limit: 10 })).toEqual({ items: [failed], nextAfterId: undefined });
    });

    it('refuses a duplicate id', async () => {
      await db.audit.append(entry('u1'));
      await expect(db.audit.append(entry('u1'))).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
    });

    describe('list', () => {
      beforeEach(async () => {
        await db.audit.append(
          entry('u3', {
            at: T + 300,
            actor: 'system',
            actorName: 'system',
            action: 'api_key.create',
            targetKind: 'api_key',
            targetId: 'k9',
          }),
        );
        await db.audit.append(entry('u1', { at: T + 100 }));
        await db.audit.append(
          entry('u2', {
            at: T + 200,
            outcome: 'failure',
            errorCode: 'precondition_failed',
            action: 'agent.update',
          }),
        );
        await db.audit.append(entry('u4', { at: T + 400, targetId: 'a2' }));
      });

      it('lists oldest id first in pages', async () => {
        const first = await db.audit.list({}, { limit: 3 });
        expect([first.items.map((e) => e.id), first.nextAfterId]).toEqual([['u1', 'u2', 'u3'], 'u3']);
        const second = await db.audit.list({}, { afterId: 'u3', limit: 3 });
        expect([second.items.map((e) => e.id), second.nextAfterId]).toEqual([['u4'], undefined]);
        await expect(db.audit.list({}, { limit: 0 })).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      });

      it('filters by actor, action, target, outcome and time', async () => {
        expect(await ids({ actor: 'system' })).toEqual(['u3']);
        expect(await ids({ action: 'agent.unregister' })).toEqual(['u1', 'u4']);
        expect(await ids({ targetId: 'a1' })).toEqual(['u1', 'u2']);
        expect(await ids({ outcome: 'failure' })).toEqual(['u2']);
        expect(await ids({ since: T + 300 })).toEqual(['u3', 'u4']);
        expect(
          await ids({
            actor: 'api_key:k1',
            action: 'agent.unregister',
            targetId: 'a1',
            outcome: 'success',
            since: T,
          }),
        ).toEqual(['u1']);
        expect(await ids({ actor: 'api_key:nobody' })).toEqual([]);
      });
    });
  });
}
