// The ConfigurationStore contract, run by every implementation through
// describeConfigurationStoreContract: layers move one revision at a time (a
// stale batch writes nothing), layers are read in one batch across kinds,
// revisions page newest first, and desired states are upserted, filtered
// (pending) and counted (compliance).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { newAgentFixture } from '../agents/agent-store.fixtures.js';
import type { ConfigurationLayer } from './agent-configuration.js';
import type { ConfigRevision, ConfigScope } from './configuration-store.js';
import type { Compliance, DesiredState } from './desired-state.js';

const T = Date.UTC(2026, 0, 1);
const FLEET: ConfigScope = { kind: 'fleet' };
const group = (id: string): ConfigScope => ({ kind: 'group', id });
const agent = (id: string): ConfigScope => ({ kind: 'agent', id });

let ids = 0;
/** A revision with a fresh, increasing id (the service's ids are time-ordered). */
const revision = (
  scope: ConfigScope,
  n: number,
  document: ConfigurationLayer = { reportIntervalSeconds: n },
): ConfigRevision => ({
  id: `rev-${String(++ids).padStart(6, '0')}`,
  scope,
  revision: n,
  document,
  diff: [{ path: 'reportIntervalSeconds', ...(n > 1 ? { from: n - 1 } : {}), to: n }],
  author: 'api_key:k1',
  reason: `change ${n}`,
  createdAt: T + n * 1_000,
});

const state = (
  agentId: string,
  compliance: Compliance,
  overrides: Partial<DesiredState> = {},
): DesiredState => ({
  agentId,
  config: {
    desiredHash: 'c'.repeat(64),
    sentAt: T,
    appliedHash: null,
    status: 'sent',
    error: null,
    reportedAt: null,
  },
  policy: {
    desiredHash: 'p'.repeat(64),
    sentAt: T + 1,
    appliedHash: 'o'.repeat(64),
    status: 'failed',
    error: 'rule 2: bad pattern',
    reportedAt: T + 2,
  },
  compliance,
  complianceReason: compliance === 'compliant' ? '' : `reason for ${agentId}`,
  complianceChangedAt: T + 3,
  ...overrides,
});

export function describeConfigurationStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`ConfigurationStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    describe('layers and revisions', () => {
      it('stores a first revision as the current layer and keeps the revision as it was', async () => {
        expect(await db.configuration.getLayer(FLEET)).toBeUndefined();
        const first = revision(FLEET, 1, { logLevel: 'debug', metadata: { site: 'a', old: null } });
        expect(await db.configuration.putLayers([first])).toEqual({ conflicts: [] });
        expect(await db.configuration.getLayer(FLEET)).toEqual({
          scope: FLEET,
          document: first.document,
          revision: 1,
          revisionId: first.id,
          updatedAt: first.createdAt,
          updatedBy: 'api_key:k1',
        });
        expect(await db.configuration.getRevision(first.id)).toEqual(first);
        expect(await db.configuration.getRevision('rev-none')).toBeUndefined();
      });

      it('takes only the next revision of each scope; a stale batch writes nothing at all', async () => {
        await db.configuration.putLayers([revision(FLEET, 1), revision(agent('a1'), 1)]);
        const next = revision(FLEET, 2);
        expect(await db.configuration.putLayers([next])).toEqual({ conflicts: [] });

        const fresh = revision(agent('a2'), 1);
        const stale = revision(FLEET, 2);
        const skipping = revision(agent('a1'), 3);
        expect(await db.configuration.putLayers([fresh, stale, skipping])).toEqual({
          conflicts: [FLEET, agent('a1')],
        });
        expect((await db.configuration.getLayer(FLEET))?.revisionId).toBe(next.id);
        expect((await db.configuration.getLayer(agent('a1')))?.revision).toBe(1);
        expect(await db.configuration.getLayer(agent('a2'))).toBeUndefined();
        for (const r of [fresh, stale, skipping])
          expect(await db.configuration.getRevision(r.id)).toBeUndefined();

        expect(await db.configuration.putLayers([revision(agent('new'), 2)])).toEqual({
          conflicts: [agent('new')],
        });
      });

      it('reads the layers that exist among many scopes of every kind in one call', async () => {
        await db.configuration.putLayers([
          revision(FLEET, 1),
          revision(group('x'), 1, { logLevel: 'warn' }),
          revision(agent('x'), 1, { logLevel: 'error' }),
          revision(agent('a2'), 1),
        ]);
        const found = await db.configuration.layers([
          FLEET,
          group('x'),
          group('missing'),
          agent('x'),
          agent('x'),
          agent('missing'),
        ]);
        const byScope = Object.fromEntries(
          found.map((l) => [
            l.scope.kind === 'fleet' ? 'fleet' : `${l.scope.kind}:${l.scope.id}`,
            l.document,
          ]),
        );
        expect(byScope).toEqual({
          fleet: { reportIntervalSeconds: 1 },
          'group:x': { logLevel: 'warn' },
          'agent:x': { logLevel: 'error' },
        });
        expect(await db.configuration.layers([])).toEqual([]);
        const many = Array.from({ length: 1_200 }, (_, i) => agent(`bulk-${i}`));
        await db.configuration.putLayers(many.map((scope) => revision(scope, 1)));
        expect(await db.configuration.layers(many)).toHaveLength(1_200);
      });

      it('pages the revisions of one scope newest first', async () => {
        const fleet = [1, 2, 3, 4, 5].map((n) => revision(FLEET, n));
        for (const r of fleet) {
          await db.configuration.putLayers([r]);
          await db.configuration.putLayers([revision(agent('a1'), r.revision)]);
        }
        const seen: number[][] = [];
        let afterId: string | undefined;
        do {
          const page = await db.configuration.revisions(FLEET, { ...(afterId ? { afterId } : {}), limit: 2 });
          expect(page.items.every((r) => r.scope.kind === 'fleet')).toBe(true);
          seen.push(page.items.map((r) => r.revision));
          afterId = page.nextAfterId;
        } while (afterId !== undefined);
        expect(seen).toEqual([[5, 4], [3, 2], [1]]);
        const all = await db.configuration.revisions(FLEET, { limit: 10 });
        expect(all).toEqual({ items: [...fleet].reverse(), nextAfterId: undefined });
        expect(await db.configuration.revisions(group('none'), { limit: 10 })).toEqual({
          items: [],
          nextAfterId: undefined,
        });
      });
    });

    describe('desired states', () => {
      it('inserts states, reads back only those asked for, then replaces them whole', async () => {
        expect(await db.configuration.desiredStates(['a1'])).toEqual(new Map());
        const [a1, a2] = [state('a1', 'pending'), state('a2', 'non_compliant')];
        await db.configuration.writeDesiredStates([a1, a2]);
        expect(await db.configuration.desiredStates(['a1', 'a1', 'ghost'])).toEqual(new Map([['a1', a1]]));

        const replaced = state('a1', 'compliant', {
          config: { ...a1.config, appliedHash: a1.config.desiredHash, status: 'applied', reportedAt: T + 9 },
          policy: { ...a1.policy, appliedHash: null, status: 'sent', error: null, reportedAt: null },
          complianceChangedAt: T + 9,
        });
        await db.configuration.writeDesiredStates([replaced]);
        await db.configuration.writeDesiredStates([]);
        expect(await db.configuration.desiredStates(['a1', 'a2'])).toEqual(
          new Map([
            ['a1', replaced],
            ['a2', a2],
          ]),
        );
      });

      it('lists pending states only, up to the limit', async () => {
        await db.configuration.writeDesiredStates([
          state('p2', 'pending'),
          state('c1', 'compliant'),
          state('p1', 'pending'),
          state('n1', 'non_compliant'),
          state('p3', 'pending'),
        ]);
        expect((await db.configuration.pendingStates(10)).map((s) => s.agentId).sort()).toEqual([
          'p1',
          'p2',
          'p3',
        ]);
        const two = await db.configuration.pendingStates(2);
        expect(two).toHaveLength(2);
        expect(two.every((s) => s.compliance === 'pending')).toBe(true);
        await db.configuration.writeDesiredStates([state('p1', 'compliant'), state('p2', 'compliant')]);
        expect((await db.configuration.pendingStates(10)).map((s) => s.agentId)).toEqual(['p3']);
      });

      it('lists pending states the longest waiting first: by the sent time of what is not applied, then id', async () => {
        const part = (sentAt: number, applied: boolean) => ({
          desiredHash: 'd'.repeat(64),
          sentAt,
          appliedHash: applied ? 'd'.repeat(64) : null,
          status: applied ? ('applied' as const) : ('sent' as const),
          error: null,
          reportedAt: applied ? sentAt : null,
        });
        const waiting = (agentId: string, config: [number, boolean], policy: [number, boolean]) =>
          state(agentId, 'pending', { config: part(...config), policy: part(...policy) });
        await db.configuration.writeDesiredStates([
          // Its old policy is applied: it waits since its configuration was sent.
          waiting('a-late', [T + 50, false], [T + 1, true]),
          waiting('b-tie', [T + 40, false], [T + 45, false]),
          // Its old configuration is applied: it waits since its policy set was sent.
          waiting('c-early', [T, true], [T + 10, false]),
          waiting('a-tie', [T + 40, false], [T + 40, false]),
          waiting('d-both', [T + 30, false], [T + 20, false]),
          state('e-done', 'compliant', { config: part(T - 5, true), policy: part(T - 5, true) }),
        ]);
        expect((await db.configuration.pendingStates(10)).map((s) => s.agentId)).toEqual([
          'c-early',
          'd-both',
          'a-tie',
          'b-tie',
          'a-late',
        ]);
        expect((await db.configuration.pendingStates(2)).map((s) => s.agentId)).toEqual([
          'c-early',
          'd-both',
        ]);
      });

      it('deletes the desired states of the agents given, and only those', async () => {
        await db.configuration.writeDesiredStates([
          state('a1', 'pending'),
          state('a2', 'compliant'),
          state('a3', 'non_compliant'),
        ]);
        await db.agents.insert(newAgentFixture('a2'));
        await db.configuration.deleteDesiredStates(['a1', 'a3', 'a3', 'ghost']);
        await db.configuration.deleteDesiredStates([]);
        expect([...(await db.configuration.desiredStates(['a1', 'a2', 'a3'])).keys()]).toEqual(['a2']);
        expect(await db.configuration.pendingStates(10)).toEqual([]);
        expect((await db.configuration.complianceCounts()).compliant).toBe(1);
      });

      it('counts enrolled agents by compliance, over all or over the agents given, every value present', async () => {
        const zero = { unknown: 0, pending: 0, compliant: 0, non_compliant: 0 };
        expect(await db.configuration.complianceCounts()).toEqual(zero);
        for (const id of ['a', 'b', 'c', 'd', 'gone']) await db.agents.insert(newAgentFixture(id));
        await db.agents.decommission('gone', T + 5);
        await db.configuration.writeDesiredStates([
          state('a', 'compliant'),
          state('b', 'compliant'),
          state('c', 'pending'),
          state('d', 'non_compliant'),
          state('gone', 'compliant'),
          state('never-enrolled', 'pending'),
        ]);
        expect(await db.configuration.complianceCounts()).toEqual({
          ...zero,
          compliant: 2,
          pending: 1,
          non_compliant: 1,
        });
        expect(await db.configuration.complianceCounts(['a', 'd', 'd', 'gone', 'ghost'])).toEqual({
          ...zero,
          compliant: 1,
          non_compliant: 1,
        });
        expect(await db.configuration.complianceCounts([])).toEqual(zero);
      });
    });
  });
}
