// The AgentStore contract: every implementation (SQLite now, PostgreSQL later)
// runs this suite through describeAgentStoreContract. Enrolment, facts,
// metadata and decommissioning here; listing and counts in
// agent-store-list.contract.ts; live states and staleness in agent-store-live.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { describeAgentListContract } from './agent-store-list.contract.js';
import { describeAgentLiveContract } from './agent-store-live.contract.js';
import { ENROLLED_AT, liveStateFixture, newAgentFixture } from './agent-store.fixtures.js';

export function describeAgentStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`AgentStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    const ids = async (filter: Parameters<Database['agents']['list']>[0]) =>
      (await db.agents.list(filter, { limit: 100 })).items.map((a) => a.id);

    describe('insert and get', () => {
      it('stores a new agent offline, health unknown, never seen, at revision 1', async () => {
        const fresh = newAgentFixture('a1', {
          capabilities: ['scan', 'isolate'],
          labels: { env: 'prod', team: 'blue' },
          enrollmentSecretId: 'es1',
        });
        await db.agents.insert(fresh);
        expect(await db.agents.get('a1')).toEqual({
          id: 'a1',
          name: fresh.name,
          hostname: fresh.hostname,
          ipAddress: fresh.ipAddress,
          version: fresh.version,
          type: fresh.type,
          platform: fresh.platform,
          capabilities: ['scan', 'isolate'],
          labels: { env: 'prod', team: 'blue' },
          status: 'offline',
          statusChangedAt: ENROLLED_AT,
          health: 'unknown',
          healthReasons: [],
          healthChangedAt: ENROLLED_AT,
          enrolledAt: ENROLLED_AT,
          updatedAt: ENROLLED_AT,
          lastSeenAt: null,
          lastHeartbeat: null,
          enrollmentSecretId: 'es1',
          revision: 1,
        });
      });

      it('tells which ids are enrolled and not decommissioned, in one call for many ids', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        await db.agents.insert(newAgentFixture('a2'));
        await db.agents.decommission('a2', ENROLLED_AT + 1);
        const many = Array.from({ length: 40_000 }, (_, i) => `x${i}`);
        expect(await db.agents.enrolledAmong(['a1', 'a2', 'ghost', ...many])).toEqual(new Set(['a1']));
        expect(await db.agents.enrolledAmong([])).toEqual(new Set());
      });

      it('answers undefined for an unknown id', async () => {
        expect(await db.agents.get('nobody')).toBeUndefined();
        expect(await db.agents.getCredentialHash('nobody')).toBeUndefined();
      });

      it('refuses a second agent with the same id and keeps the first', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        await expect(db.agents.insert(newAgentFixture('a1', { name: 'impostor' }))).rejects.toMatchObject({
          code: ErrorCode.AlreadyExists,
        });
        expect((await db.agents.get('a1'))?.name).toBe('agent a1');
      });

      it('keeps the credential hash out of the agent and returns it on request', async () => {
        await db.agents.insert(newAgentFixture('a1', { credentialHash: 'h-1' }));
        expect(await db.agents.getCredentialHash('a1')).toBe('h-1');
        expect(JSON.stringify(await db.agents.get('a1'))).not.toContain('h-1');
      });

      it('accepts repeated capabilities and an agent without labels or capabilities', async () => {
        await db.agents.insert(newAgentFixture('a1', { capabilities: ['scan', 'scan'] }));
        await db.agents.insert(newAgentFixture('a2', { capabilities: [], labels: {} }));
        expect(await ids({ capability: 'scan' })).toEqual(['a1']);
        expect((await db.agents.get('a2'))?.labels).toEqual({});
      });
    });

    describe('updateFacts', () => {
      it('replaces the facts, bumps the revision and leaves connectivity alone', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        await db.agents.applyLiveStates([liveStateFixture('a1')]);
        const facts = {
          ...newAgentFixture('a1'),
          name: 'renamed',
          version: '2.0.0',
          capabilities: ['isolate'],
          labels: { env: 'dev' },
        };
        await db.agents.updateFacts('a1', facts, ENROLLED_AT + 5_000);
        const agent = await db.agents.get('a1');
        expect(agent).toMatchObject({
          name: 'renamed',
          version: '2.0.0',
          capabilities: ['isolate'],
          labels: { env: 'dev' },
        });
        expect(agent).toMatchObject({
          revision: 2,
          updatedAt: ENROLLED_AT + 5_000,
          status: 'online',
          enrolledAt: ENROLLED_AT,
        });
        expect(await ids({ capability: 'scan' })).toEqual([]);
        expect(await ids({ capability: 'isolate' })).toEqual(['a1']);
        expect(await ids({ labels: { env: 'prod' } })).toEqual([]);
        expect(await ids({ labels: { env: 'dev' } })).toEqual(['a1']);
      });

      it('fails with not_found for an unknown agent', async () => {
        await expect(db.agents.updateFacts('nobody', newAgentFixture('nobody'), 1)).rejects.toMatchObject({
          code: ErrorCode.NotFound,
        });
      });
    });

    describe('decommission and reinstate', () => {
      it('decommissions once, dropping the credential', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        expect(await db.agents.decommission('a1', ENROLLED_AT + 9_000)).toBe(true);
        expect(await db.agents.decommission('a1', ENROLLED_AT + 10_000)).toBe(false);
        expect(await db.agents.getCredentialHash('a1')).toBeUndefined();
        expect(await db.agents.get('a1')).toMatchObject({
          status: 'decommissioned',
          statusChangedAt: ENROLLED_AT + 9_000,
          revision: 2,
        });
        expect(await db.agents.decommission('nobody', 1)).toBe(false);
      });

      it('reinstates a decommissioned agent as newly enrolled with new facts and credential', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        await db.agents.applyLiveStates([
          liveStateFixture('a1', { health: 'degraded', healthReasons: ['cpu'] }),
        ]);
        await db.agents.decommission('a1', ENROLLED_AT + 2_000);
        const again = newAgentFixture('a1', {
          enrolledAt: ENROLLED_AT + 3_000,
          credentialHash: 'h-new',
          capabilities: ['isolate'],
          labels: { env: 'dev' },
          enrollmentSecretId: 'es2',
        });
        await db.agents.reinstate(again);
        expect(await db.agents.getCredentialHash('a1')).toBe('h-new');
        expect(await db.agents.get('a1')).toMatchObject({
          status: 'offline',
          statusChangedAt: ENROLLED_AT + 3_000,
          health: 'unknown',
          healthReasons: [],
          enrolledAt: ENROLLED_AT + 3_000,
          lastSeenAt: null,
          lastHeartbeat: null,
          enrollmentSecretId: 'es2',
          revision: 3,
        });
        expect(await ids({ capability: 'isolate', labels: { env: 'dev' } })).toEqual(['a1']);
        expect(await ids({ capability: 'scan' })).toEqual([]);
      });

      it('refuses to reinstate an agent that is not decommissioned, or absent', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        await expect(
          db.agents.reinstate(newAgentFixture('a1', { credentialHash: 'h-x' })),
        ).rejects.toMatchObject({ code: ErrorCode.PreconditionFailed });
        expect(await db.agents.getCredentialHash('a1')).toBe('credential-hash-a1');
        await expect(db.agents.reinstate(newAgentFixture('nobody'))).rejects.toMatchObject({
          code: ErrorCode.NotFound,
        });
      });
    });

    describe('updateMetadata', () => {
      it('changes only the name when only the name is given', async () => {
        await db.agents.insert(newAgentFixture('a1', { labels: { env: 'prod' } }));
        const updated = await db.agents.updateMetadata('a1', { name: 'front door' }, ENROLLED_AT + 1);
        expect(updated).toMatchObject({
          name: 'front door',
          labels: { env: 'prod' },
          revision: 2,
          updatedAt: ENROLLED_AT + 1,
        });
        expect(await db.agents.get('a1')).toEqual(updated);
      });

      it('replaces the whole label set, and label filters follow', async () => {
        await db.agents.insert(newAgentFixture('a1', { labels: { env: 'prod', team: 'blue' } }));
        const updated = await db.agents.updateMetadata('a1', { labels: { site: 'paris' } }, ENROLLED_AT + 1);
        expect(updated?.labels).toEqual({ site: 'paris' });
        expect(await ids({ labels: { env: 'prod' } })).toEqual([]);
        expect(await ids({ labels: { site: 'paris' } })).toEqual(['a1']);
      });

      it('applies on a matching revision and refuses a stale one without writing', async () => {
        await db.agents.insert(newAgentFixture('a1'));
        expect(await db.agents.updateMetadata('a1', { name: 'first' }, ENROLLED_AT + 1, 1)).toMatchObject({
          name: 'first',
          revision: 2,
        });
        expect(
          await db.agents.updateMetadata('a1', { name: 'late', labels: {} }, ENROLLED_AT + 2, 1),
        ).toBeUndefined();
        expect(await db.agents.get('a1')).toMatchObject({
          name: 'first',
          revision: 2,
          labels: { env: 'prod' },
        });
        expect(await ids({ labels: { env: 'prod' } })).toEqual(['a1']);
      });

      it('answers undefined for an unknown agent', async () => {
        expect(await db.agents.updateMetadata('nobody', { name: 'x' }, 1)).toBeUndefined();
      });
    });

    describeAgentListContract(() => db);
    describeAgentLiveContract(() => db, open);
  });
}
