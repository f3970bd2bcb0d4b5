// The BackupStore contract, run by every implementation through
// describeBackupStoreContract: backups are kept as given and listed newest
// first (by scope when asked) without their documents; the whole-state reads
// see every row of the other features' tables; and the whole-state writes put
// policies, versions, layers and revisions back exactly as read (same ids,
// versions and revision numbers), atomically inside a transaction.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import type { ConfigRevision, ConfigScope, StoredLayer } from '../configuration/configuration-store.js';
import { groupFixture } from '../groups/group.fixtures.js';
import { policyFixture } from '../policies/policy.fixtures.js';
import type { BackupRecord, PolicyWithVersions } from './backup-store.js';

const T = Date.UTC(2026, 0, 1);

const record = (id: string, scope = 'fleet'): BackupRecord => ({
  id,
  name: `backup ${id}`,
  scope,
  createdAt: T,
  createdBy: 'api_key:k1',
  checksum: 'c'.repeat(64),
  size: 12,
  document: `{"id":"${id}"}`,
});

const revision = (id: string, scope: ConfigScope, n: number): ConfigRevision => ({
  id,
  scope,
  revision: n,
  document: { reportIntervalSeconds: n },
  diff: [{ path: 'reportIntervalSeconds', to: n }],
  author: 'api_key:k1',
  reason: `r${n}`,
  createdAt: T + n,
});

const layerOf = (r: ConfigRevision): StoredLayer => ({
  scope: r.scope,
  document: r.document,
  revision: r.revision,
  revisionId: r.id,
  updatedAt: r.createdAt,
  updatedBy: r.author,
});

const policyWithVersions = (id: string): PolicyWithVersions => {
  const current = policyFixture(id, { version: 2, updatedAt: T + 5, name: `renamed ${id}` });
  const versionOf = (version: number, name: string) => ({
    policyId: id,
    version,
    name,
    description: current.description,
    mode: current.mode,
    document: current.document,
    author: 'api_key:k1',
    createdAt: T + version,
    reason: `v${version}`,
  });
  return { ...current, versions: [versionOf(1, `policy ${id}`), versionOf(2, `renamed ${id}`)] };
};

export function describeBackupStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`BackupStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    describe('backups', () => {
      it('keeps a backup as given and lists summaries newest first, by scope when asked', async () => {
        expect(await db.backups.get('b1')).toBeUndefined();
        for (const [id, scope] of [
          ['b1', 'fleet'],
          ['b2', 'group:g1'],
          ['b3', 'fleet'],
        ] as const)
          await db.backups.insert(record(id, scope));
        expect(await db.backups.get('b2')).toEqual(record('b2', 'group:g1'));
        const first = await db.backups.list({}, { limit: 2 });
        const { document: _document, ...summary } = record('b3');
        expect(first).toEqual({ items: [summary, expect.objectContaining({ id: 'b2' })], nextAfterId: 'b2' });
        expect((await db.backups.list({}, { afterId: 'b2', limit: 2 })).items.map((b) => b.id)).toEqual([
          'b1',
        ]);
        expect((await db.backups.list({ scope: 'fleet' }, { limit: 5 })).items.map((b) => b.id)).toEqual([
          'b3',
          'b1',
        ]);
      });
    });

    describe('whole state', () => {
      it('reads nothing from an empty store', async () => {
        expect(await db.backups.stateCounts()).toEqual({
          groups: 0,
          policies: 0,
          layers: 0,
          commandTypes: 0,
        });
        expect(await db.backups.allLayers()).toEqual([]);
        expect(await db.backups.layerRevisions(true)).toEqual([]);
        expect(await db.backups.allGroups()).toEqual([]);
        expect(await db.backups.allStaticMembers()).toEqual([]);
        expect(await db.backups.allPolicies()).toEqual([]);
        expect(await db.backups.allAssignments()).toEqual([]);
      });

      it('writes policies with their versions, and layers with their revisions, as they are read back', async () => {
        const policies = [policyWithVersions('p1'), { ...policyWithVersions('p2'), name: 'other' }];
        const fleet = [revision('r1', { kind: 'fleet' }, 1), revision('r3', { kind: 'fleet' }, 2)];
        const agent = revision('r2', { kind: 'agent', id: 'a1' }, 1);
        const group = revision('r4', { kind: 'group', id: 'g1' }, 1);
        await db.transaction(async (stores) => {
          await stores.backups.insertPolicies(policies);
          await stores.backups.insertConfiguration(
            [layerOf(fleet[1]!), layerOf(agent), layerOf(group)],
            [...fleet, agent, group],
          );
        });
        expect(await db.backups.allPolicies()).toEqual(policies);
        expect(await db.policies.getVersion('p1', 1)).toMatchObject({ name: 'policy p1', reason: 'v1' });
        expect(await db.backups.allLayers()).toEqual([layerOf(agent), layerOf(fleet[1]!), layerOf(group)]);
        expect(await db.backups.layerRevisions(false)).toEqual([agent, fleet[1], group]);
        expect(await db.backups.layerRevisions(true)).toEqual([fleet[0], agent, fleet[1], group]);
        expect(await db.configuration.getLayer({ kind: 'fleet' })).toMatchObject({
          revision: 2,
          revisionId: 'r3',
        });
        expect(await db.backups.stateCounts()).toEqual({
          groups: 0,
          policies: 2,
          layers: 3,
          commandTypes: 0,
        });
      });

      it('reads every group, stored member and assignment', async () => {
        for (const id of ['a1', 'a2']) await db.agents.insert(newAgentFixture(id));
        await db.agents.decommission('a2', T);
        await db.groups.insert(groupFixture('g1'));
        await db.groups.insert(groupFixture('g2', { kind: 'dynamic', selector: { env: 'prod' } }));
        await db.groups.addMembers('g1', ['a2', 'a1'], T, 'api_key:k1');
        await db.policies.insert(policyFixture('p1'), '');
        const assignment = (kind: 'agent' | 'group', id: string) => ({
          policyId: 'p1',
          target: { kind, id },
          assignedAt: T,
          assignedBy: 'api_key:k1',
        });
        await db.policies.assign([assignment('group', 'g1'), assignment('agent', 'a1')]);
        expect((await db.backups.allGroups()).map((g) => g.id)).toEqual(['g1', 'g2']);
        expect(await db.backups.allGroups()).toContainEqual(
          groupFixture('g2', { kind: 'dynamic', selector: { env: 'prod' } }),
        );
        expect(await db.backups.allStaticMembers()).toEqual([
          { groupId: 'g1', agentId: 'a1', addedAt: T, addedBy: 'api_key:k1' },
          { groupId: 'g1', agentId: 'a2', addedAt: T, addedBy: 'api_key:k1' },
        ]);
        expect(await db.backups.allAssignments()).toEqual([
          assignment('agent', 'a1'),
          assignment('group', 'g1'),
        ]);
        expect(await db.backups.stateCounts()).toMatchObject({ groups: 2, policies: 1 });
      });

      it('writes nothing when the transaction around the writes fails', async () => {
        const failed = db.transaction(async (stores) => {
          await stores.backups.insertPolicies([policyWithVersions('p1')]);
          await stores.backups.insertConfiguration([], [revision('r1', { kind: 'fleet' }, 1)]);
          throw new Error('abandon');
        });
        await expect(failed).rejects.toThrow('abandon');
        expect(await db.backups.allPolicies()).toEqual([]);
        expect(await db.backups.layerRevisions(true)).toEqual([]);
      });
    });
  });
}
