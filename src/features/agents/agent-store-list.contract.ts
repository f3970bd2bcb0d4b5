// AgentStore contract, part two: listing (every filter, keyset paging) and the
// fleet counts. Called from describeAgentStoreContract with its open database.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { AGENT_SORT_FIELDS, type AgentFilter, type AgentSort } from './agent-store.js';
import { liveStateFixture, newAgentFixture } from './agent-store.fixtures.js';

export function describeAgentListContract(database: () => Database): void {
  describe('list', () => {
    let db: Database;
    const ids = async (filter: AgentFilter) =>
      (await db.agents.list(filter, { limit: 100 })).items.map((a) => a.id);

    beforeEach(async () => {
      db = database();
      // Inserted out of id order on purpose.
      await db.agents.insert(
        newAgentFixture('c-3', {
          name: 'Mail Relay',
          hostname: 'mx1.corp',
          type: 'edr',
          version: '1.0.0',
          capabilities: ['scan', 'isolate'],
          labels: { env: 'prod', team: 'blue' },
        }),
      );
      await db.agents.insert(
        newAgentFixture('a-1', {
          name: 'Web 100%',
          hostname: 'web1.corp',
          type: 'edr',
          version: '1.1.0',
          capabilities: ['scan'],
          labels: { env: 'prod', team: 'red' },
        }),
      );
      await db.agents.insert(
        newAgentFixture('b-2', {
          name: 'Web 1000',
          hostname: 'web_2.corp',
          type: 'fim',
          version: '1.0.0',
          capabilities: [],
          labels: { env: 'dev' },
        }),
      );
      await db.agents.insert(
        newAgentFixture('e-5', {
          name: 'Build',
          hostname: 'ci.corp',
          type: 'fim',
          version: '2.0.0',
          capabilities: ['isolate'],
          labels: {},
        }),
      );
      await db.agents.insert(
        newAgentFixture('d-4', {
          name: 'Old',
          hostname: 'old.corp',
          type: 'edr',
          version: '0.9.0',
          capabilities: ['scan'],
          labels: { env: 'prod' },
        }),
      );
      await db.agents.applyLiveStates([
        liveStateFixture('a-1', { status: 'online', health: 'healthy' }),
        liveStateFixture('b-2', {
          status: 'online',
          health: 'degraded',
          healthReasons: ['cpu_percent 90 >= 85'],
        }),
        liveStateFixture('c-3', { status: 'inactive', health: 'unhealthy' }),
      ]);
      await db.agents.decommission('d-4', Date.UTC(2026, 0, 2));
    });

    it('lists every agent, decommissioned included, in id order', async () => {
      expect(await ids({})).toEqual(['a-1', 'b-2', 'c-3', 'd-4', 'e-5']);
    });

    it('pages by id with a continuation only while there are more', async () => {
      const first = await db.agents.list({}, { limit: 2 });
      expect(first.items.map((a) => a.id)).toEqual(['a-1', 'b-2']);
      expect(first.nextAfterId).toBe('b-2');
      const second = await db.agents.list({}, { afterId: first.nextAfterId, limit: 2 });
      expect(second.items.map((a) => a.id)).toEqual(['c-3', 'd-4']);
      const third = await db.agents.list({}, { afterId: second.nextAfterId, limit: 2 });
      expect(third).toMatchObject({ nextAfterId: undefined });
      expect(third.items.map((a) => a.id)).toEqual(['e-5']);
      expect((await db.agents.list({}, { limit: 5 })).nextAfterId).toBeUndefined();
      expect((await db.agents.list({}, { afterId: 'e-5', limit: 5 })).items).toEqual([]);
    });

    const sortedIds = async (sort: AgentSort, limit: number) => {
      const seen: string[] = [];
      let page = await db.agents.list({}, { limit, sort });
      seen.push(...page.items.map((a) => a.id));
      while (page.nextAfterId !== undefined) {
        page = await db.agents.list(
          {},
          {
            limit,
            sort,
            afterId: page.nextAfterId,
            ...(page.nextAfterKey === undefined ? {} : { afterKey: page.nextAfterKey }),
          },
        );
        seen.push(...page.items.map((a) => a.id));
      }
      return seen;
    };

    it('sorts by a field then by id, either way, never-seen agents as seen at time 0', async () => {
      expect(await sortedIds({ field: 'name', order: 'asc' }, 100)).toEqual([
        'e-5',
        'c-3',
        'd-4',
        'a-1',
        'b-2',
      ]);
      expect(await sortedIds({ field: 'name', order: 'desc' }, 100)).toEqual([
        'b-2',
        'a-1',
        'd-4',
        'c-3',
        'e-5',
      ]);
      expect(await sortedIds({ field: 'lastSeenAt', order: 'asc' }, 100)).toEqual([
        'd-4',
        'e-5',
        'a-1',
        'b-2',
        'c-3',
      ]);
      expect(await sortedIds({ field: 'lastSeenAt', order: 'desc' }, 100)).toEqual([
        'c-3',
        'b-2',
        'a-1',
        'e-5',
        'd-4',
      ]);
      expect(await sortedIds({ field: 'id', order: 'desc' }, 100)).toEqual([
        'e-5',
        'd-4',
        'c-3',
        'b-2',
        'a-1',
      ]);
    });

    it('pages a sorted listing exactly, ties included, in every order', async () => {
      for (const field of AGENT_SORT_FIELDS) {
        for (const order of ['asc', 'desc'] as const) {
          const whole = await sortedIds({ field, order }, 100);
          expect(whole, `${field} ${order}`).toHaveLength(5);
          expect(await sortedIds({ field, order }, 2), `${field} ${order}`).toEqual(whole);
          expect(await sortedIds({ field, order }, 1), `${field} ${order}`).toEqual(whole);
        }
      }
    });

    it('refuses to continue a sorted listing without the sort key', async () => {
      await expect(
        db.agents.list({}, { limit: 2, afterId: 'b-2', sort: { field: 'name', order: 'asc' } }),
      ).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
    });

    it('refuses a limit that is not a positive integer', async () => {
      await expect(db.agents.list({}, { limit: 0 })).rejects.toMatchObject({
        code: ErrorCode.InvalidArgument,
      });
      await expect(db.agents.list({}, { limit: 1.5 })).rejects.toMatchObject({
        code: ErrorCode.InvalidArgument,
      });
    });

    it('filters by any of several statuses or healths; an empty list does not filter', async () => {
      expect(await ids({ status: ['online'] })).toEqual(['a-1', 'b-2']);
      expect(await ids({ status: ['inactive', 'decommissioned'] })).toEqual(['c-3', 'd-4']);
      expect(await ids({ status: ['offline'] })).toEqual(['e-5']);
      expect(await ids({ health: ['degraded', 'unhealthy'] })).toEqual(['b-2', 'c-3']);
      expect(await ids({ health: ['unknown'] })).toEqual(['d-4', 'e-5']);
      expect(await ids({ status: [], health: [] })).toHaveLength(5);
    });

    it('filters by type and version exactly', async () => {
      expect(await ids({ type: 'fim' })).toEqual(['b-2', 'e-5']);
      expect(await ids({ version: '1.0.0' })).toEqual(['b-2', 'c-3']);
      expect(await ids({ type: 'edr', version: '1.0.0' })).toEqual(['c-3']);
      expect(await ids({ version: '1.0' })).toEqual([]);
    });

    it('filters by capability', async () => {
      expect(await ids({ capability: 'isolate' })).toEqual(['c-3', 'e-5']);
      expect(await ids({ capability: 'scan', type: 'edr' })).toEqual(['a-1', 'c-3', 'd-4']);
      expect(await ids({ capability: 'sca' })).toEqual([]);
    });

    it('filters by labels, every pair having to match', async () => {
      expect(await ids({ labels: { env: 'prod' } })).toEqual(['a-1', 'c-3', 'd-4']);
      expect(await ids({ labels: { env: 'prod', team: 'blue' } })).toEqual(['c-3']);
      expect(await ids({ labels: { env: 'dev', team: 'blue' } })).toEqual([]);
      expect(await ids({ labels: { team: 'prod' } })).toEqual([]);
      expect(await ids({ labels: {} })).toHaveLength(5);
    });

    it('searches id, name and hostname for a substring, ignoring case', async () => {
      expect(await ids({ search: 'WEB' })).toEqual(['a-1', 'b-2']);
      expect(await ids({ search: 'relay' })).toEqual(['c-3']);
      expect(await ids({ search: 'ci.co' })).toEqual(['e-5']);
      expect(await ids({ search: 'e-5' })).toEqual(['e-5']);
      expect(await ids({ search: 'nowhere' })).toEqual([]);
      expect(await ids({ search: '' })).toHaveLength(5);
    });

    it('folds the case of ASCII letters only, and orders ids by code point', async () => {
      await db.agents.insert(newAgentFixture('é-7', { name: 'école sud', hostname: 'h7' }));
      await db.agents.insert(newAgentFixture('Z-6', { name: 'ÉCOLE NORD', hostname: 'h6' }));
      expect(await ids({ search: 'cole' })).toEqual(['Z-6', 'é-7']);
      expect(await ids({ search: 'école' })).toEqual(['é-7']);
      expect(await ids({ search: 'ÉCOLE' })).toEqual(['Z-6']);
      expect(await ids({})).toEqual(['Z-6', 'a-1', 'b-2', 'c-3', 'd-4', 'e-5', 'é-7']);
    });

    it('treats % and _ in a search as plain characters', async () => {
      expect(await ids({ search: '100%' })).toEqual(['a-1']);
      expect(await ids({ search: '%' })).toEqual(['a-1']);
      expect(await ids({ search: 'web_' })).toEqual(['b-2']);
      expect(await ids({ search: '_' })).toEqual(['b-2']);
      expect(await ids({ search: '\\' })).toEqual([]);
    });

    it('pages through a filtered list', async () => {
      const filter: AgentFilter = { labels: { env: 'prod' }, capability: 'scan' };
      const first = await db.agents.list(filter, { limit: 1 });
      expect(first.items.map((a) => a.id)).toEqual(['a-1']);
      const second = await db.agents.list(filter, { afterId: first.nextAfterId, limit: 1 });
      expect(second.items.map((a) => a.id)).toEqual(['c-3']);
      const third = await db.agents.list(filter, { afterId: second.nextAfterId, limit: 1 });
      expect(third.items.map((a) => a.id)).toEqual(['d-4']);
      expect(third.nextAfterId).toBeUndefined();
    });

    it('returns whole agents', async () => {
      const [first] = (await db.agents.list({ search: 'b-2' }, { limit: 1 })).items;
      expect(first).toEqual(await db.agents.get('b-2'));
      expect(first?.healthReasons).toEqual(['cpu_percent 90 >= 85']);
    });
  });

  describe('counts', () => {
    it('counts an empty fleet as zeros for every status and health', async () => {
      const fresh = database();
      expect(await fresh.agents.counts()).toEqual({
        total: 0,
        byStatus: { online: 0, offline: 0, inactive: 0, decommissioned: 0 },
        byHealth: { unknown: 0, healthy: 0, degraded: 0, unhealthy: 0 },
        byType: {},
        byVersion: {},
      });
    });

    it('counts decommissioned agents by status only', async () => {
      const db = database();
      await db.agents.insert(newAgentFixture('a', { type: 'edr', version: '1' }));
      await db.agents.insert(newAgentFixture('b', { type: 'edr', version: '2' }));
      await db.agents.insert(newAgentFixture('c', { type: 'fim', version: '2' }));
      await db.agents.insert(newAgentFixture('d', { type: 'nids', version: '3' }));
      await db.agents.applyLiveStates([
        liveStateFixture('a', { health: 'degraded' }),
        liveStateFixture('d', { health: 'healthy' }),
      ]);
      await db.agents.decommission('d', Date.UTC(2026, 0, 3));
      expect(await db.agents.counts()).toEqual({
        total: 3,
        byStatus: { online: 1, offline: 2, inactive: 0, decommissioned: 1 },
        byHealth: { unknown: 2, healthy: 0, degraded: 1, unhealthy: 0 },
        byType: { edr: 2, fim: 1 },
        byVersion: { '1': 1, '2': 2 },
      });
    });
  });
}
