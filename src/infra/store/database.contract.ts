// The Database (unit of work) contract, run by every backend through
// describeDatabaseContract: a transaction commits every store's writes
// together, or, when its work throws (a store's refusal included), none of
// them; concurrent transactions stay apart.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveStateFixture, newAgentFixture } from '../../features/agents/agent-store.fixtures.js';
import type { AuditEntry } from '../../features/audit/audit-entry.js';
import { ErrorCode } from '../../shared/errors.js';
import type { Database, Stores } from './stores.js';

const T = Date.UTC(2026, 0, 1);

const AUDIT: AuditEntry = {
  id: 'au1',
  at: T,
  actor: 'system',
  actorName: 'system',
  action: 'agent.update',
  targetKind: 'agent',
  targetId: 'old-agent',
  outcome: 'success',
  errorCode: null,
  requestId: null,
  details: {},
};

/** One write to every store, plus changes to rows that existed before. */
async function writeEverywhere(stores: Stores): Promise<void> {
  await stores.agents.insert(newAgentFixture('new-agent'));
  await stores.agents.updateMetadata('old-agent', { name: 'renamed', labels: { env: 'dev' } }, T + 1);
  await stores.agents.applyLiveStates([liveStateFixture('old-agent', { lastSeenAt: T + 2 })]);
  await stores.sessions.insert({
    id: 's1',
    agentId: 'new-agent',
    tokenHash: 'th-1',
    createdAt: T,
    expiresAt: T + 1_000,
    peer: 'p',
  });
  await stores.enrollmentSecrets.consume('es-old', T);
  await stores.events.append([
    {
      id: 'ev1',
      type: 'agent_registered',
      schemaVersion: 1,
      occurredAt: T,
      subject: { kind: 'agent', id: 'new-agent' },
      actor: 'system',
      data: {},
    },
  ]);
  await stores.audit.append(AUDIT);
  await stores.apiKeys.revoke('k-old', T);
  await stores.commandTypes.insert({
    name: 'custom:new',
    description: '',
    schema: { type: 'object' },
    example: null,
    createdAt: T,
    createdBy: 'system',
    updatedAt: T,
    updatedBy: 'system',
    revision: 1,
  });
}

/** What writeEverywhere changes, as seen from outside the transaction. */
async function snapshot(db: Database) {
  return {
    newAgent: await db.agents.get('new-agent'),
    oldAgent: await db.agents.get('old-agent'),
    devAgents: (await db.agents.list({ labels: { env: 'dev' } }, { limit: 10 })).items.length,
    session: await db.sessions.get('s1'),
    secretUses: (await db.enrollmentSecrets.get('es-old'))?.uses,
    events: (await db.events.unpublished(10)).length,
    audit: (await db.audit.list({}, { limit: 10 })).items.length,
    keyRevokedAt: (await db.apiKeys.get('k-old'))?.revokedAt,
    commandTypes: await db.commandTypes.count(),
  };
}

export function describeDatabaseContract(name: string, open: () => Promise<Database>): void {
  describe(`Database contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
      await db.agents.insert(newAgentFixture('old-agent'));
      await db.enrollmentSecrets.insert({
        id: 'es-old',
        name: 'n',
        secretHash: 'sh',
        hint: 'h',
        groupId: null,
        maxUses: null,
        uses: 0,
        expiresAt: null,
        revokedAt: null,
        createdAt: T,
        createdBy: 'system',
      });
      await db.apiKeys.insert({
        id: 'k-old',
        name: 'n',
        role: 'admin',
        keyHash: 'kh',
        hint: 'h',
        createdAt: T,
        createdBy: 'system',
        expiresAt: null,
        revokedAt: null,
        lastUsedAt: null,
      });
    });
    afterEach(async () => {
      await db.close();
    });

    it('commits every store write together and returns what the work returned', async () => {
      expect(await db.transaction(async (stores) => (await writeEverywhere(stores), 'done'))).toBe('done');
      expect(await snapshot(db)).toMatchObject({
        newAgent: { id: 'new-agent' },
        oldAgent: { name: 'renamed', lastSeenAt: T + 2 },
        devAgents: 1,
        session: { id: 's1' },
        secretUses: 1,
        events: 1,
        audit: 1,
        keyRevokedAt: T,
        commandTypes: 1,
      });
    });

    it('rolls back every store write when the work throws, and rethrows its error', async () => {
      const before = await snapshot(db);
      const failure = new Error('work failed');
      await expect(
        db.transaction(async (stores) => {
          await writeEverywhere(stores);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await snapshot(db)).toEqual(before);
    });

    it('rolls back every store write when a store refuses a duplicate, reporting already_exists', async () => {
      const before = await snapshot(db);
      await expect(
        db.transaction(async (stores) => {
          await writeEverywhere(stores);
          await stores.agents.insert(newAgentFixture('old-agent'));
        }),
      ).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
      expect(await snapshot(db)).toEqual(before);
      // The database is usable afterwards.
      await db.transaction((stores) => stores.agents.insert(newAgentFixture('after')));
      expect((await db.agents.get('after'))?.id).toBe('after');
    });

    it('keeps concurrent transactions apart: one rolling back leaves the other committed', async () => {
      const failure = new Error('second failed');
      const [first, second] = await Promise.allSettled([
        db.transaction(async (stores) => {
          await stores.agents.insert(newAgentFixture('first'));
          await stores.audit.append({ ...AUDIT, id: 'au-first' });
        }),
        db.transaction(async (stores) => {
          await stores.agents.insert(newAgentFixture('second'));
          await stores.audit.append({ ...AUDIT, id: 'au-second' });
          throw failure;
        }),
      ]);
      expect(first.status).toBe('fulfilled');
      expect(second).toEqual({ status: 'rejected', reason: failure });
      expect((await db.agents.get('first'))?.id).toBe('first');
      expect(await db.agents.get('second')).toBeUndefined();
      expect((await db.audit.list({}, { limit: 10 })).items.map((e) => e.id)).toEqual(['au-first']);
    });

    it('answers a ping', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
    });
  });
}
