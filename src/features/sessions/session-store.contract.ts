// The SessionStore contract, run by every implementation through
// describeSessionStoreContract (SQLite now; PostgreSQL and Redis later).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import type { AgentSession } from './session.js';

const T = Date.UTC(2026, 0, 1);

const session = (id: string, overrides: Partial<AgentSession> = {}): AgentSession => ({
  id,
  agentId: 'a1',
  tokenHash: `token-hash-${id}`,
  createdAt: T,
  expiresAt: T + 3_600_000,
  peer: '10.0.0.1:50000',
  ...overrides,
});

export function describeSessionStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`SessionStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
      await db.agents.insert(newAgentFixture('a1'));
      await db.agents.insert(newAgentFixture('a2'));
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores a session and finds it by id and by token hash', async () => {
      const s = session('s1');
      await db.sessions.insert(s);
      expect(await db.sessions.get('s1')).toEqual(s);
      expect(await db.sessions.findByTokenHash('token-hash-s1')).toEqual(s);
      expect(await db.sessions.get('s2')).toBeUndefined();
      expect(await db.sessions.findByTokenHash('token-hash-s2')).toBeUndefined();
    });

    it('refuses a duplicate id or token hash', async () => {
      await db.sessions.insert(session('s1'));
      await expect(db.sessions.insert(session('s1', { tokenHash: 'other' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      await expect(db.sessions.insert(session('s2', { tokenHash: 'token-hash-s1' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      expect(await db.sessions.get('s2')).toBeUndefined();
    });

    describe('replace', () => {
      it('swaps the old session for the new one', async () => {
        await db.sessions.insert(session('s1'));
        const next = session('s2', { createdAt: T + 10, expiresAt: T + 7_200_000 });
        expect(await db.sessions.replace('s1', next)).toBe(true);
        expect(await db.sessions.get('s1')).toBeUndefined();
        expect(await db.sessions.findByTokenHash('token-hash-s1')).toBeUndefined();
        expect(await db.sessions.get('s2')).toEqual(next);
      });

      it('answers false and inserts nothing when the old session is gone', async () => {
        await db.sessions.insert(session('s1'));
        expect(await db.sessions.replace('s1', session('s2'))).toBe(true);
        expect(await db.sessions.replace('s1', session('s3'))).toBe(false);
        expect(await db.sessions.get('s3')).toBeUndefined();
      });

      it('keeps the old session when the new one cannot be stored', async () => {
        await db.sessions.insert(session('s1'));
        await db.sessions.insert(session('s2', { agentId: 'a2' }));
        await expect(
          db.sessions.replace('s1', session('s3', { tokenHash: 'token-hash-s2' })),
        ).rejects.toMatchObject({
          code: ErrorCode.AlreadyExists,
        });
        expect(await db.sessions.get('s1')).toEqual(session('s1'));
        expect(await db.sessions.get('s3')).toBeUndefined();
      });
    });

    it('deletes one session, once', async () => {
      await db.sessions.insert(session('s1'));
      expect(await db.sessions.delete('s1')).toBe(true);
      expect(await db.sessions.delete('s1')).toBe(false);
      expect(await db.sessions.get('s1')).toBeUndefined();
    });

    it('deletes every session of one agent and returns them', async () => {
      await db.sessions.insert(session('s2'));
      await db.sessions.insert(session('s1'));
      await db.sessions.insert(session('s3', { agentId: 'a2' }));
      expect(await db.sessions.deleteForAgent('a1')).toEqual([session('s1'), session('s2')]);
      expect(await db.sessions.get('s3')).toEqual(session('s3', { agentId: 'a2' }));
      expect(await db.sessions.deleteForAgent('a1')).toEqual([]);
    });

    describe('deleteExpired', () => {
      beforeEach(async () => {
        await db.sessions.insert(session('s-late', { expiresAt: T + 300 }));
        await db.sessions.insert(session('s-early', { expiresAt: T + 100 }));
        await db.sessions.insert(session('s-now', { expiresAt: T + 500 }));
        await db.sessions.insert(session('s-live', { expiresAt: T + 501 }));
      });

      it('deletes sessions expiring at or before now, oldest first, and returns them', async () => {
        const gone = await db.sessions.deleteExpired(T + 500, 10);
        expect(gone.map((s) => s.id)).toEqual(['s-early', 's-late', 's-now']);
        expect(gone[0]).toEqual(session('s-early', { expiresAt: T + 100 }));
        expect((await db.sessions.list({}, { limit: 10 })).items.map((s) => s.id)).toEqual(['s-live']);
      });

      it('deletes at most `limit`, the longest expired first', async () => {
        expect((await db.sessions.deleteExpired(T + 1_000, 2)).map((s) => s.id)).toEqual([
          's-early',
          's-late',
        ]);
        expect((await db.sessions.deleteExpired(T + 1_000, 2)).map((s) => s.id)).toEqual(['s-now', 's-live']);
        expect(await db.sessions.deleteExpired(T + 1_000, 2)).toEqual([]);
      });

      it('refuses a limit that is not positive', async () => {
        await expect(db.sessions.deleteExpired(T, 0)).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      });
    });

    it('lists sessions by id, for one agent or all, in pages', async () => {
      for (const id of ['s4', 's1', 's3', 's2'])
        await db.sessions.insert(session(id, { agentId: id === 's3' ? 'a2' : 'a1' }));
      const first = await db.sessions.list({}, { limit: 3 });
      expect(first.items.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
      expect(first.nextAfterId).toBe('s3');
      const second = await db.sessions.list({}, { afterId: 's3', limit: 3 });
      expect(second).toEqual({ items: [session('s4')], nextAfterId: undefined });
      const mine = await db.sessions.list({ agentId: 'a1' }, { limit: 2 });
      expect(mine.items.map((s) => s.id)).toEqual(['s1', 's2']);
      expect(
        (await db.sessions.list({ agentId: 'a1' }, { afterId: mine.nextAfterId, limit: 2 })).items.map(
          (s) => s.id,
        ),
      ).toEqual(['s4']);
      expect((await db.sessions.list({ agentId: 'nobody' }, { limit: 2 })).items).toEqual([]);
    });
  });
}
