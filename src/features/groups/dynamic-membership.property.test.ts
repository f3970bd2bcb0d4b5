// Property: a dynamic group's members, as the SQL store computes them, are
// exactly the enrolled agents whose labels include every pair of its selector
// (labels ⊇ selector), and groupsOfAgents agrees from the agents' side — for
// random fleets, labels, selectors and decommissions, checked against a plain
// in-memory model (selectorMatches).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import { groupFixture } from './group.fixtures.js';
import { selectorMatches } from './group.js';

// Few keys and values, so that matches, near misses and supersets are all common.
const labelSet = fc.dictionary(fc.constantFrom('env', 'team', 'os'), fc.constantFrom('a', 'b', 'c'), {
  maxKeys: 3,
});
const selector = fc.dictionary(fc.constantFrom('env', 'team', 'os'), fc.constantFrom('a', 'b', 'c'), {
  minKeys: 1,
  maxKeys: 3,
});
const fleet = fc.array(fc.record({ labels: labelSet, decommissioned: fc.boolean() }), { maxLength: 12 });

describe('dynamic membership', () => {
  it('is the set of enrolled agents whose labels include the selector', async () => {
    await fc.assert(
      fc.asyncProperty(
        fleet,
        fc.array(selector, { minLength: 1, maxLength: 4 }),
        async (agents, selectors) => {
          const db = await openSqlDatabase('sqlite::memory:');
          try {
            const ids = agents.map((_, i) => `agent-${String(i).padStart(2, '0')}`);
            for (const [i, agent] of agents.entries()) {
              await db.agents.insert(newAgentFixture(ids[i] ?? '', { labels: agent.labels }));
              if (agent.decommissioned) await db.agents.decommission(ids[i] ?? '', 1);
            }
            const groups = selectors.map((s, i) => groupFixture(`g${i}`, { selector: s, kind: 'dynamic' }));
            for (const group of groups) await db.groups.insert(group);

            const model = (sel: Record<string, string>) =>
              ids.filter(
                (_, i) => !agents[i]?.decommissioned && selectorMatches(sel, agents[i]?.labels ?? {}),
              );
            for (const group of groups) {
              const stored = await db.groups.memberIds(group, { limit: 100 });
              expect(stored.ids).toEqual(model(group.selector ?? {}));
            }
            const byAgent = await db.groups.groupsOfAgents(ids);
            for (const id of ids) {
              const expected = groups.filter((g) => model(g.selector ?? {}).includes(id)).map((g) => g.id);
              expect((byAgent.get(id) ?? []).map((g) => g.id).sort()).toEqual(expected);
            }
          } finally {
            await db.close();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
