// GroupStore contract, part two: membership as it is read — members of static
// groups (stored rows) and dynamic groups (labels ⊇ selector), enrolled agents
// only; member ids page by page; counts by status and health; and the groups of
// many agents at once. Called from describeGroupStoreContract.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { liveStateFixture, newAgentFixture } from '../agents/agent-store.fixtures.js';
import { GROUP_CREATED_AT, groupFixture } from './group.fixtures.js';
import type { Group } from './group.js';

const T = GROUP_CREATED_AT;

export function describeGroupMembershipContract(database: () => Database): void {
  describe('membership', () => {
    let db: Database;
    const web = groupFixture('g-web', { name: 'web' });
    const prod = groupFixture('g-prod', { name: 'prod', selector: { env: 'prod' } });
    const prodBlue = groupFixture('g-prod-blue', {
      name: 'prod blue',
      selector: { env: 'prod', team: 'blue' },
    });

    beforeEach(async () => {
      db = database();
      const agents: [string, Record<string, string>][] = [
        ['a1', { env: 'prod', team: 'blue' }],
        ['a2', { env: 'prod', team: 'red' }],
        ['a3', { env: 'dev', team: 'blue' }],
        ['a4', { env: 'prod', team: 'blue', extra: 'x' }],
        ['a5', {}],
      ];
      for (const [id, labels] of agents) await db.agents.insert(newAgentFixture(id, { labels }));
      for (const group of [web, prod, prodBlue]) await db.groups.insert(group);
      await db.groups.addMembers('g-web', ['a3', 'a1', 'a4'], T + 1, 'api_key:k1');
      await db.agents.applyLiveStates([
        liveStateFixture('a1', { status: 'online', health: 'healthy' }),
        liveStateFixture('a2', { status: 'online', health: 'degraded' }),
        liveStateFixture('a3', { status: 'online', health: 'healthy' }),
      ]);
      // Decommissioned agents are in no group, whatever their labels or rows.
      await db.agents.decommission('a4', T + 2);
    });

    const memberIds = async (group: Group) =>
      (await db.groups.members(group, { limit: 100 })).items.map((m) => m.agent.id);

    it('lists enrolled static members with who added them, and dynamic members by selector', async () => {
      const page = await db.groups.members(web, { limit: 100 });
      expect(page.items.map((m) => [m.agent.id, m.addedAt, m.addedBy])).toEqual([
        ['a1', T + 1, 'api_key:k1'],
        ['a3', T + 1, 'api_key:k1'],
      ]);
      expect(page.items[0]?.agent).toMatchObject({ id: 'a1', labels: { env: 'prod', team: 'blue' } });
      expect(await memberIds(prod)).toEqual(['a1', 'a2']);
      expect(await memberIds(prodBlue)).toEqual(['a1']);
      const dynamicPage = await db.groups.members(prod, { limit: 100 });
      expect(dynamicPage.items.every((m) => m.addedAt === null && m.addedBy === null)).toBe(true);
    });

    it('follows label changes for dynamic groups without any group write', async () => {
      await db.agents.updateMetadata('a3', { labels: { env: 'prod', team: 'blue' } }, T + 3);
      await db.agents.updateMetadata('a1', { labels: { env: 'dev' } }, T + 3);
      expect(await memberIds(prod)).toEqual(['a2', 'a3']);
      expect(await memberIds(prodBlue)).toEqual(['a3']);
    });

    it('pages members and member ids by agent id', async () => {
      const first = await db.groups.members(prod, { limit: 1 });
      expect(first.items.map((m) => m.agent.id)).toEqual(['a1']);
      expect(first.nextAfterId).toBe('a1');
      const rest = await db.groups.members(prod, { afterId: 'a1', limit: 1 });
      expect(rest.items.map((m) => m.agent.id)).toEqual(['a2']);
      expect(await db.groups.memberIds(web, { limit: 1 })).toEqual({ ids: ['a1'], nextAfterId: 'a1' });
      expect(await db.groups.memberIds(web, { afterId: 'a1', limit: 5 })).toEqual({
        ids: ['a3'],
        nextAfterId: undefined,
      });
    });

    it('counts members by status and health in one answer', async () => {
      expect(await db.groups.memberCounts(prod)).toEqual({
        total: 2,
        byStatus: { online: 2 },
        byHealth: { healthy: 1, degraded: 1 },
      });
      const empty = groupFixture('g-empty', { name: 'empty', selector: { env: 'nowhere' } });
      expect(await db.groups.memberCounts(empty)).toEqual({ total: 0, byStatus: {}, byHealth: {} });
    });

    it('finds the groups of many agents at once: static rows and matching dynamic groups', async () => {
      const groups = await db.groups.groupsOfAgents(['a1', 'a2', 'a3', 'a4', 'a5', 'ghost']);
      const ids = Object.fromEntries(
        [...groups].map(([agent, list]) => [agent, list.map((g) => g.id).sort()]),
      );
      expect(ids).toEqual({
        a1: ['g-prod', 'g-prod-blue', 'g-web'],
        a2: ['g-prod'],
        a3: ['g-web'],
      });
      expect(groups.get('a1')?.find((g) => g.id === 'g-prod-blue')).toEqual({ ...prodBlue, kind: 'dynamic' });
      expect((await db.groups.groupsOfAgents([])).size).toBe(0);
    });

    it('forgets a dynamic group once deleted, and static rows of a reinstated agent count again', async () => {
      await db.groups.delete('g-prod');
      expect((await db.groups.groupsOfAgents(['a2'])).get('a2')).toBeUndefined();
      await db.agents.reinstate(newAgentFixture('a4', { labels: {} }));
      expect((await db.groups.groupsOfAgents(['a4'])).get('a4')?.map((g) => g.id)).toEqual(['g-web']);
    });
  });
}
