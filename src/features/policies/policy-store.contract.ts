// The PolicyStore contract, run by every implementation through
// describePolicyStoreContract: unique names, versions numbered and immutable,
// updates guarded by the expected version (one of two concurrent edits wins),
// assignments stored once in multi-row inserts, keyset pages, the batched reads
// for effective sets, and delete taking versions and assignments along.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import type { PolicyAssignment } from './policy.js';
import { policyFixture, T } from './policy.fixtures.js';
import type { PolicyChange } from './policy-store.js';

const change = (name: string, at = T + 1_000): PolicyChange => ({
  name,
  description: `changed to ${name}`,
  mode: 'monitor',
  document: { defaultAction: 'log', rules: [] },
  at,
  by: 'api_key:k2',
  reason: 'tuning',
});

const assignment = (policyId: string, kind: 'agent' | 'group', id: string): PolicyAssignment => ({
  policyId,
  target: { kind, id },
  assignedAt: T,
  assignedBy: 'api_key:k1',
});

export function describePolicyStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`PolicyStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores a policy with its first version and reads both back exactly', async () => {
      await db.policies.insert(policyFixture('P1'), 'first cut');
      expect(await db.policies.get('P1')).toEqual(policyFixture('P1'));
      expect(await db.policies.get('P9')).toBeUndefined();
      const { id: _id, createdBy: _by, updatedAt: _at, updatedBy: _u, ...definition } = policyFixture('P1');
      expect(await db.policies.getVersion('P1', 1)).toEqual({
        ...definition,
        policyId: 'P1',
        author: 'api_key:k1',
        reason: 'first cut',
      });
      expect(await db.policies.getVersion('P1', 2)).toBeUndefined();
    });

    it('refuses a taken name with already_exists and keeps the first', async () => {
      await db.policies.insert(policyFixture('P1', { name: 'edge' }), '');
      await expect(db.policies.insert(policyFixture('P2', { name: 'edge' }), '')).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      expect(await db.policies.get('P2')).toBeUndefined();
    });

    it('lists summaries by id with mode and name filters, in keyset pages', async () => {
      await db.policies.insert(policyFixture('P3', { name: 'web 100%' }), '');
      await db.policies.insert(policyFixture('P1', { name: 'Web edge', mode: 'monitor' }), '');
      await db.policies.insert(policyFixture('P2', { name: 'mail' }), '');
      const first = await db.policies.list({}, { limit: 2 });
      expect(first.items.map((p) => p.id)).toEqual(['P1', 'P2']);
      expect(first.items[0]).toMatchObject({ defaultAction: 'allow', ruleCount: 1, version: 1 });
      expect(first.items[0]).not.toHaveProperty('document');
      const rest = await db.policies.list({}, { afterId: first.nextAfterId ?? '', limit: 2 });
      expect([rest.items.map((p) => p.id), rest.nextAfterId]).toEqual([['P3'], undefined]);
      expect((await db.policies.list({ search: 'WEB' }, { limit: 9 })).items.map((p) => p.id)).toEqual([
        'P1',
        'P3',
      ]);
      expect((await db.policies.list({ search: '0%' }, { limit: 9 })).items.map((p) => p.id)).toEqual(['P3']);
      expect((await db.policies.list({ mode: 'monitor' }, { limit: 9 })).items.map((p) => p.id)).toEqual([
        'P1',
      ]);
    });

    it('updates at the expected version into the next one, keeping the old version as it was', async () => {
      await db.policies.insert(policyFixture('P1'), 'v1');
      const updated = await db.policies.update('P1', change('renamed'), 1);
      expect(updated).toEqual({
        ...policyFixture('P1'),
        name: 'renamed',
        description: 'changed to renamed',
        mode: 'monitor',
        document: { defaultAction: 'log', rules: [] },
        version: 2,
        updatedAt: T + 1_000,
        updatedBy: 'api_key:k2',
      });
      expect(await db.policies.get('P1')).toEqual(updated);
      expect(await db.policies.getVersion('P1', 2)).toMatchObject({ name: 'renamed', reason: 'tuning' });
      expect(await db.policies.getVersion('P1', 1)).toMatchObject({
        name: 'policy P1',
        mode: 'enforce',
        document: policyFixture('P1').document,
        reason: 'v1',
      });
    });

    it('refuses an update at a stale version or of an absent policy and changes nothing', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      expect(await db.policies.update('P1', change('late'), 7)).toBeUndefined();
      expect(await db.policies.update('P9', change('ghost'))).toBeUndefined();
      expect(await db.policies.get('P1')).toEqual(policyFixture('P1'));
      expect(await db.policies.getVersion('P1', 2)).toBeUndefined();
      expect((await db.policies.update('P1', change('any')))?.version).toBe(2);
    });

    it('refuses a rename to a taken name with already_exists and keeps both', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      await db.policies.insert(policyFixture('P2', { name: 'taken' }), '');
      await expect(db.policies.update('P1', change('taken'), 1)).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      expect(await db.policies.get('P1')).toEqual(policyFixture('P1'));
    });

    it('lets exactly one of two concurrent updates of the same version through', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      const results = await Promise.all([
        db.policies.update('P1', change('first'), 1),
        db.policies.update('P1', change('second'), 1),
      ]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const versions = await db.policies.listVersions('P1', { limit: 10 });
      expect(versions.items.map((v) => v.version)).toEqual([2, 1]);
    });

    it('lists versions newest first, in pages, without their documents', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      for (const n of [2, 3, 4]) await db.policies.update('P1', change(`v${n}`, T + n), n - 1);
      const first = await db.policies.listVersions('P1', { limit: 3 });
      expect(first.items.map((v) => v.version)).toEqual([4, 3, 2]);
      expect(first.items[0]).toMatchObject({ defaultAction: 'log', ruleCount: 0, author: 'api_key:k2' });
      expect(first.items[0]).not.toHaveProperty('document');
      const rest = await db.policies.listVersions('P1', { afterVersion: first.nextAfterVersion, limit: 3 });
      expect([rest.items.map((v) => v.version), rest.nextAfterVersion]).toEqual([[1], undefined]);
      expect((await db.policies.listVersions('P9', { limit: 3 })).items).toEqual([]);
    });

    it('assigns once: a repeat adds nothing, and many targets go in multi-row chunks', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      const added = await db.policies.assign([
        assignment('P1', 'agent', 'a1'),
        assignment('P1', 'group', 'g1'),
      ]);
      expect(added).toEqual([assignment('P1', 'agent', 'a1'), assignment('P1', 'group', 'g1')]);
      const again = await db.policies.assign([
        { ...assignment('P1', 'agent', 'a1'), assignedAt: T + 5, assignedBy: 'other' },
        assignment('P1', 'agent', 'a2'),
      ]);
      expect(again).toEqual([assignment('P1', 'agent', 'a2')]);
      expect(await db.policies.assignmentsOf('P1')).toEqual([
        assignment('P1', 'agent', 'a1'),
        assignment('P1', 'agent', 'a2'),
        assignment('P1', 'group', 'g1'),
      ]);
      const many = Array.from({ length: 7_000 }, (_, i) => assignment('P1', 'agent', `m${i}`));
      expect(await db.policies.assign(many)).toHaveLength(7_000);
      expect(await db.policies.assign([])).toEqual([]);
    });

    it('unassigns one target, and pages assignments by kind then id', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      await db.policies.assign(
        ['a:1', 'a:2', 'b'].map((id) => assignment('P1', 'agent', id)).concat(assignment('P1', 'group', 'g')),
      );
      expect(await db.policies.unassign('P1', { kind: 'agent', id: 'b' })).toBe(true);
      expect(await db.policies.unassign('P1', { kind: 'agent', id: 'b' })).toBe(false);
      expect(await db.policies.unassign('P1', { kind: 'group', id: 'a:1' })).toBe(false);
      const first = await db.policies.listAssignments('P1', { limit: 2 });
      expect(first.items.map((a) => a.target.id)).toEqual(['a:1', 'a:2']);
      expect(first.nextAfterKey).toBe('agent:a:2');
      const rest = await db.policies.listAssignments('P1', { afterKey: first.nextAfterKey, limit: 2 });
      expect([rest.items.map((a) => `${a.target.kind}:${a.target.id}`), rest.nextAfterKey]).toEqual([
        ['group:g'],
        undefined,
      ]);
    });

    it('reads the policies of many targets of one kind at once, with their current versions', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      await db.policies.insert(policyFixture('P2'), '');
      await db.policies.update('P2', change('p2 v2'), 1);
      await db.policies.assign([
        assignment('P1', 'agent', 'a1'),
        assignment('P2', 'agent', 'a1'),
        assignment('P2', 'agent', 'a2'),
        assignment('P1', 'group', 'a2'),
      ]);
      const ids = [...Array.from({ length: 33_000 }, (_, i) => `x${i}`), 'a1', 'a2', 'a1'];
      const found = await db.policies.policyIdsOf('agent', ids);
      expect(found.map((f) => `${f.targetId}/${f.policyId}`).sort()).toEqual(['a1/P1', 'a1/P2', 'a2/P2']);
      expect(await db.policies.policyIdsOf('group', [])).toEqual([]);
      const policies = await db.policies.getMany(['P2', 'P1', 'P9', ...ids]);
      expect(policies.map((p) => `${p.id}@${p.version}`).sort()).toEqual(['P1@1', 'P2@2']);
      expect(policies.find((p) => p.id === 'P1')).toEqual(policyFixture('P1'));
      expect(await db.policies.getMany([])).toEqual([]);
      const direct = await db.policies.assignmentsTo({ kind: 'agent', id: 'a1' });
      expect(direct.map((d) => [d.policyId, d.policy.version, d.assignedBy])).toEqual([
        ['P1', 1, 'api_key:k1'],
        ['P2', 2, 'api_key:k1'],
      ]);
    });

    it('deletes a policy with its versions and assignments, once', async () => {
      await db.policies.insert(policyFixture('P1'), '');
      await db.policies.insert(policyFixture('P2'), '');
      await db.policies.update('P1', change('v2'), 1);
      await db.policies.assign([assignment('P1', 'agent', 'a1'), assignment('P2', 'agent', 'a1')]);
      expect(await db.policies.delete('P1')).toBe(true);
      expect(await db.policies.delete('P1')).toBe(false);
      expect(await db.policies.get('P1')).toBeUndefined();
      expect(await db.policies.getVersion('P1', 1)).toBeUndefined();
      expect(await db.policies.assignmentsOf('P1')).toEqual([]);
      expect((await db.policies.policyIdsOf('agent', ['a1'])).map((f) => f.policyId)).toEqual(['P2']);
      await db.policies.insert(policyFixture('P1'), 'again');
      expect((await db.policies.get('P1'))?.version).toBe(1);
    });

    it('removes every assignment of one target and returns them', async () => {
      for (const id of ['P1', 'P2']) await db.policies.insert(policyFixture(id), '');
      await db.policies.assign([
        assignment('P2', 'group', 'g1'),
        assignment('P1', 'group', 'g1'),
        assignment('P1', 'agent', 'g1'),
      ]);
      expect(await db.policies.unassignTarget({ kind: 'group', id: 'g1' })).toEqual([
        assignment('P1', 'group', 'g1'),
        assignment('P2', 'group', 'g1'),
      ]);
      expect(await db.policies.unassignTarget({ kind: 'group', id: 'g1' })).toEqual([]);
      expect(await db.policies.assignmentsOf('P1')).toEqual([assignment('P1', 'agent', 'g1')]);
    });

    it('commits and rolls back with the unit of work', async () => {
      await db.transaction(async (stores) => stores.policies.insert(policyFixture('P1'), ''));
      await expect(
        db.transaction(async (stores) => {
          await stores.policies.insert(policyFixture('P2'), '');
          await stores.policies.assign([assignment('P1', 'agent', 'a1')]);
          await stores.policies.update('P1', change('lost'), 1);
          throw new Error('work failed');
        }),
      ).rejects.toThrow('work failed');
      expect((await db.policies.list({}, { limit: 9 })).items.map((p) => p.id)).toEqual(['P1']);
      expect(await db.policies.get('P1')).toEqual(policyFixture('P1'));
      expect(await db.policies.assignmentsOf('P1')).toEqual([]);
    });
  });
}
