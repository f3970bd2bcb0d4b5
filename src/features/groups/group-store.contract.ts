// The GroupStore contract, run by every implementation through
// describeGroupStoreContract: group records (unique names, guarded updates and
// deletes, list filters and paging) and static membership edits here; the
// membership reads in group-membership.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import { describeGroupMembershipContract } from './group-membership.contract.js';
import { GROUP_CREATED_AT, groupFixture } from './group.fixtures.js';

const T = GROUP_CREATED_AT;

export function describeGroupStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`GroupStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('stores static and dynamic groups and reads them back exactly', async () => {
      const web = groupFixture('g1', { name: 'web', description: 'web tier', priority: -5 });
      const prod = groupFixture('g2', {
        name: 'prod',
        selector: { env: 'prod', tier: 'web' },
        priority: 1000,
      });
      await db.groups.insert(web);
      await db.groups.insert(prod);
      expect(await db.groups.get('g1')).toEqual(web);
      expect(await db.groups.get('g2')).toEqual({ ...prod, kind: 'dynamic' });
      expect(await db.groups.get('nope')).toBeUndefined();
    });

    it('refuses a taken name with already_exists, on insert and on rename', async () => {
      await db.groups.insert(groupFixture('g1', { name: 'web' }));
      await db.groups.insert(groupFixture('g2', { name: 'db' }));
      await expect(db.groups.insert(groupFixture('g3', { name: 'web' }))).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      await expect(
        db.groups.update('g2', { name: 'web', updatedAt: T, updatedBy: 'x' }, 1),
      ).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
      expect((await db.groups.get('g2'))?.name).toBe('db');
      expect(await db.groups.get('g3')).toBeUndefined();
    });

    it('lists by id with kind and case-insensitive name filters, page by page', async () => {
      await db.groups.insert(groupFixture('g3', { name: 'Web servers' }));
      await db.groups.insert(groupFixture('g1', { name: 'web_100%', selector: { a: 'b' } }));
      await db.groups.insert(groupFixture('g2', { name: 'databases' }));
      const ids = async (filter: Parameters<Database['groups']['list']>[0]) =>
        (await db.groups.list(filter, { limit: 10 })).items.map((g) => g.id);
      expect(await ids({})).toEqual(['g1', 'g2', 'g3']);
      expect(await ids({ kind: 'dynamic' })).toEqual(['g1']);
      expect(await ids({ kind: 'static' })).toEqual(['g2', 'g3']);
      expect(await ids({ search: 'WEB' })).toEqual(['g1', 'g3']);
      // LIKE wildcards in the search are literal.
      expect(await ids({ search: '0%' })).toEqual(['g1']);
      expect(await ids({ search: 'b_1' })).toEqual(['g1']);
      const first = await db.groups.list({}, { limit: 2 });
      expect(first.items.map((g) => g.id)).toEqual(['g1', 'g2']);
      expect(first.nextAfterId).toBe('g2');
      const second = await db.groups.list({}, { afterId: 'g2', limit: 2 });
      expect(second).toEqual({ items: [expect.objectContaining({ id: 'g3' })], nextAfterId: undefined });
    });

    it('updates at the expected revision, bumping it and keeping the creation facts', async () => {
      await db.groups.insert(groupFixture('g1', { selector: { env: 'prod' } }));
      const update = {
        name: 'renamed',
        selector: { env: 'dev' },
        priority: 7,
        updatedAt: T + 5,
        updatedBy: 'api_key:k2',
      };
      const updated = await db.groups.update('g1', update, 1);
      expect(updated).toEqual({
        ...groupFixture('g1', { selector: { env: 'dev' } }),
        kind: 'dynamic',
        name: 'renamed',
        priority: 7,
        updatedAt: T + 5,
        updatedBy: 'api_key:k2',
        revision: 2,
      });
      expect(await db.groups.get('g1')).toEqual(updated);
      // A stale revision changes nothing; no revision means "whatever is there".
      expect(
        await db.groups.update('g1', { description: 'late', updatedAt: T, updatedBy: 'x' }, 1),
      ).toBeUndefined();
      expect((await db.groups.get('g1'))?.description).toBe('');
      expect(
        (await db.groups.update('g1', { description: 'now', updatedAt: T, updatedBy: 'x' }))?.revision,
      ).toBe(3);
      expect(
        await db.groups.update('nope', { description: 'x', updatedAt: T, updatedBy: 'x' }),
      ).toBeUndefined();
    });

    it('lets exactly one of two concurrent updates of one revision through', async () => {
      await db.groups.insert(groupFixture('g1'));
      const results = await Promise.all(
        ['a', 'b'].map((d) => db.groups.update('g1', { description: d, updatedAt: T, updatedBy: 'x' }, 1)),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect((await db.groups.get('g1'))?.revision).toBe(2);
    });

    it('deletes a group with its stored members, only at the expected revision when given', async () => {
      await db.agents.insert(newAgentFixture('a1'));
      await db.groups.insert(groupFixture('g1'));
      await db.groups.addMembers('g1', ['a1'], T, 'api_key:k1');
      expect(await db.groups.delete('g1', 2)).toBe(false);
      expect(await db.groups.storedMemberCount('g1')).toBe(1);
      expect(await db.groups.delete('g1', 1)).toBe(true);
      expect(await db.groups.get('g1')).toBeUndefined();
      expect(await db.groups.storedMemberCount('g1')).toBe(0);
      expect(await db.groups.delete('g1')).toBe(false);
      // The name is free again.
      await db.groups.insert(groupFixture('g2', { name: 'group g1' }));
    });

    it('adds and removes static members, reporting only what changed', async () => {
      for (const id of ['a1', 'a2', 'a3']) await db.agents.insert(newAgentFixture(id));
      await db.groups.insert(groupFixture('g1'));
      expect(await db.groups.addMembers('g1', ['a2', 'a1', 'a2'], T, 'api_key:k1')).toEqual(['a2', 'a1']);
      expect(await db.groups.addMembers('g1', ['a1', 'a3'], T + 1, 'api_key:k2')).toEqual(['a3']);
      expect(await db.groups.storedMemberCount('g1')).toBe(3);
      expect(await db.groups.removeMembers('g1', ['a3', 'zz', 'a1'])).toEqual(['a3', 'a1']);
      expect(await db.groups.removeMembers('g1', ['a3'])).toEqual([]);
      expect(await db.groups.storedMemberCount('g1')).toBe(1);
    });

    it('reads the status of the agents that exist, decommissioned ones included', async () => {
      await db.agents.insert(newAgentFixture('a1'));
      await db.agents.insert(newAgentFixture('a2'));
      await db.agents.decommission('a2', T + 1);
      const statuses = await db.groups.agentStatuses(['a1', 'a2', 'ghost', 'a1']);
      expect(Object.fromEntries(statuses)).toEqual({ a1: 'offline', a2: 'decommissioned' });
      expect((await db.groups.agentStatuses([])).size).toBe(0);
    });

    describeGroupMembershipContract(() => db);
  });
}
