// AgentStore contract, part three: batched live-state writes and their guards
// (with a property test against a reference model), and the staleness sweep.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { CONNECTIVITY_PREDECESSORS, type Connectivity, type Health } from '../health/health-model.js';
import type { Agent } from './agent.js';
import type { AgentLiveState } from './agent-store.js';
import { ENROLLED_AT, heartbeatFixture, liveStateFixture, newAgentFixture } from './agent-store.fixtures.js';

const T = ENROLLED_AT;

export function describeAgentLiveContract(database: () => Database, open: () => Promise<Database>): void {
  describe('applyLiveStates', () => {
    let db: Database;
    beforeEach(async () => {
      db = database();
      for (const id of ['a1', 'a2', 'a3']) await db.agents.insert(newAgentFixture(id));
    });

    it('writes every live field and reports nothing refused', async () => {
      const state = liveStateFixture('a1', {
        status: 'online',
        statusChangedAt: T + 10,
        health: 'degraded',
        healthReasons: ['queue_depth 1500 >= 1000'],
        healthChangedAt: T + 20,
        lastSeenAt: T + 30,
        lastHeartbeat: heartbeatFixture({ sequence: 7, queueDepth: 1500 }),
      });
      expect(await db.agents.applyLiveStates([state])).toEqual([]);
      const { id: _id, ...live } = state;
      expect(await db.agents.get('a1')).toMatchObject({ ...live, revision: 1 });
      expect(await db.agents.applyLiveStates([])).toEqual([]);
    });

    it('refuses unknown and decommissioned agents and leaves the latter untouched', async () => {
      await db.agents.decommission('a2', T + 5);
      const before = await db.agents.get('a2');
      const refused = await db.agents.applyLiveStates([
        liveStateFixture('a1'),
        liveStateFixture('a2'),
        liveStateFixture('ghost'),
      ]);
      expect(refused.sort()).toEqual(['a2', 'ghost']);
      expect(await db.agents.get('a2')).toEqual(before);
      expect((await db.agents.get('a1'))?.status).toBe('online');
    });

    it('never moves last seen backwards, but accepts the same instant again', async () => {
      await db.agents.applyLiveStates([liveStateFixture('a1', { lastSeenAt: T + 100, health: 'healthy' })]);
      expect(
        await db.agents.applyLiveStates([
          liveStateFixture('a1', { lastSeenAt: T + 50, health: 'unhealthy' }),
        ]),
      ).toEqual(['a1']);
      expect(await db.agents.applyLiveStates([liveStateFixture('a1', { lastSeenAt: null })])).toEqual(['a1']);
      expect(await db.agents.get('a1')).toMatchObject({ lastSeenAt: T + 100, health: 'healthy' });
      expect(
        await db.agents.applyLiveStates([liveStateFixture('a1', { lastSeenAt: T + 100, status: 'offline' })]),
      ).toEqual([]);
      expect((await db.agents.get('a1'))?.status).toBe('offline');
    });

    it('accepts a state without last seen for an agent never seen', async () => {
      const state = liveStateFixture('a1', {
        status: 'offline',
        lastSeenAt: null,
        lastHeartbeat: null,
        health: 'degraded',
      });
      expect(await db.agents.applyLiveStates([state])).toEqual([]);
      expect(await db.agents.get('a1')).toMatchObject({
        lastSeenAt: null,
        lastHeartbeat: null,
        health: 'degraded',
      });
    });

    it('only moves status from a legal predecessor', async () => {
      await db.agents.applyLiveStates([liveStateFixture('a1', { status: 'inactive', lastSeenAt: T + 10 })]);
      // inactive is not a predecessor of offline: a late "stream closed" must not undo the sweep.
      expect(
        await db.agents.applyLiveStates([liveStateFixture('a1', { status: 'offline', lastSeenAt: T + 20 })]),
      ).toEqual(['a1']);
      expect(await db.agents.get('a1')).toMatchObject({ status: 'inactive', lastSeenAt: T + 10 });
      expect(
        await db.agents.applyLiveStates([liveStateFixture('a1', { status: 'online', lastSeenAt: T + 30 })]),
      ).toEqual([]);
      expect((await db.agents.get('a1'))?.status).toBe('online');
    });

    it('never decommissions through a live state', async () => {
      expect(await db.agents.applyLiveStates([liveStateFixture('a1', { status: 'decommissioned' })])).toEqual(
        ['a1'],
      );
      expect((await db.agents.get('a1'))?.status).toBe('offline');
      expect(await db.agents.getCredentialHash('a1')).toBeDefined();
    });

    it('keeps the most recently seen of several states for one agent in a batch', async () => {
      const refused = await db.agents.applyLiveStates([
        liveStateFixture('a1', { lastSeenAt: T + 30, health: 'degraded' }),
        liveStateFixture('a1', { lastSeenAt: T + 10, health: 'unhealthy' }),
        liveStateFixture('a1', { lastSeenAt: T + 30, health: 'healthy' }),
      ]);
      expect(refused).toEqual([]);
      expect(await db.agents.get('a1')).toMatchObject({ lastSeenAt: T + 30, health: 'healthy' });
    });

    it('writes batches larger than one statement can carry', async () => {
      const many = Array.from({ length: 4_500 }, (_, i) => `bulk-${String(i).padStart(5, '0')}`);
      await db.transaction(async (stores) => {
        for (const id of many) await stores.agents.insert(newAgentFixture(id));
      });
      const refused = await db.agents.applyLiveStates(
        many.map((id, i) => liveStateFixture(id, { lastSeenAt: T + i })),
      );
      expect(refused).toEqual([]);
      expect((await db.agents.counts()).byStatus.online).toBe(many.length);
      expect((await db.agents.get('bulk-04499'))?.lastSeenAt).toBe(T + 4_499);
    });
  });

  describe('markStale', () => {
    it('moves silent agents on, inactive first, and reports each move', async () => {
      const db = database();
      const seen = (id: string, status: Connectivity, lastSeenAt: number) =>
        liveStateFixture(id, { status, lastSeenAt });
      for (const id of [
        'fresh',
        'quiet',
        'gone',
        'gone-offline',
        'never',
        'never-new',
        'parked',
        'retired',
      ]) {
        await db.agents.insert(newAgentFixture(id, { enrolledAt: id === 'never-new' ? T + 950 : T }));
      }
      await db.agents.applyLiveStates([
        seen('fresh', 'online', T + 950),
        seen('quiet', 'online', T + 600),
        seen('gone', 'online', T + 100),
        seen('gone-offline', 'offline', T + 100),
        seen('parked', 'inactive', T + 10),
        seen('retired', 'online', T + 10),
      ]);
      await db.agents.decommission('retired', T + 20);
      const before = await db.agents.list({}, { limit: 100 });

      const moved = await db.agents.markStale({
        offlineBefore: T + 900,
        inactiveBefore: T + 500,
        at: T + 1_000,
      });

      expect([...moved].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'gone', from: 'online', to: 'inactive', lastSeenAt: T + 100 },
        { id: 'gone-offline', from: 'offline', to: 'inactive', lastSeenAt: T + 100 },
        { id: 'never', from: 'offline', to: 'inactive', lastSeenAt: null },
        { id: 'quiet', from: 'online', to: 'offline', lastSeenAt: T + 600 },
      ]);
      expect(moved.map((m) => m.to)).toEqual(['inactive', 'inactive', 'inactive', 'offline']);
      for (const agent of before.items) {
        const after = await db.agents.get(agent.id);
        const move = moved.find((m) => m.id === agent.id);
        if (move) expect(after).toEqual({ ...agent, status: move.to, statusChangedAt: T + 1_000 });
        else expect(after).toEqual(agent);
      }
      expect(
        await db.agents.markStale({ offlineBefore: T + 900, inactiveBefore: T + 500, at: T + 2_000 }),
      ).toEqual([]);
    });

    it('sends an online agent silent past both cutoffs straight to inactive', async () => {
      const db = database();
      await db.agents.insert(newAgentFixture('a1'));
      await db.agents.applyLiveStates([liveStateFixture('a1', { status: 'online', lastSeenAt: T + 1 })]);
      expect(
        await db.agents.markStale({ offlineBefore: T + 10, inactiveBefore: T + 10, at: T + 20 }),
      ).toEqual([{ id: 'a1', from: 'online', to: 'inactive', lastSeenAt: T + 1 }]);
    });
  });

  describe('live-state guards under random batches (property)', () => {
    const ids = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const stateArb = fc.record({
      id: fc.constantFrom(...ids, 'p-unknown'),
      status: fc.constantFrom<Connectivity>('online', 'offline', 'inactive', 'decommissioned'),
      health: fc.constantFrom<Health>('unknown', 'healthy', 'degraded', 'unhealthy'),
      lastSeenAt: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }),
    });
    const scenario = fc.record({
      decommissioned: fc.subarray(ids),
      batches: fc.array(fc.array(stateArb, { maxLength: 8 }), { minLength: 1, maxLength: 8 }),
    });

    it('never moves last seen backwards, never touches decommissioned agents, and matches the model', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ decommissioned, batches }) => {
          const db = await open();
          try {
            for (const id of ids) await db.agents.insert(newAgentFixture(id));
            for (const id of decommissioned) await db.agents.decommission(id, T);
            const stored = async () =>
              new Map((await db.agents.list({}, { limit: 100 })).items.map((a) => [a.id, a]));
            let previous = await stored();
            const model = new Map(previous);
            for (const batch of batches) {
              const states = batch.map((s) =>
                liveStateFixture(s.id, { ...s, lastSeenAt: s.lastSeenAt === null ? null : T + s.lastSeenAt }),
              );
              const refused = await db.agents.applyLiveStates(states);
              const current = await stored();
              for (const [id, before] of previous) {
                const after = current.get(id);
                if (before.status === 'decommissioned') expect(after).toEqual(before);
                expect(after?.lastSeenAt ?? -Infinity).toBeGreaterThanOrEqual(before.lastSeenAt ?? -Infinity);
              }
              expect(new Set(refused)).toEqual(applyToModel(model, states));
              expect(current).toEqual(model);
              previous = current;
            }
          } finally {
            await db.close();
          }
        }),
        { numRuns: 60 },
      );
    });
  });
}

/** The guard rules, one agent at a time; returns the ids refused. Mutates `model`. */
function applyToModel(model: Map<string, Agent>, states: readonly AgentLiveState[]): Set<string> {
  const newest = new Map<string, AgentLiveState>();
  for (const s of states) {
    const held = newest.get(s.id);
    if (!held || (s.lastSeenAt ?? -Infinity) >= (held.lastSeenAt ?? -Infinity)) newest.set(s.id, s);
  }
  const refused = new Set<string>();
  for (const s of newest.values()) {
    const current = model.get(s.id);
    const allowed =
      current !== undefined &&
      current.status !== 'decommissioned' &&
      s.status !== 'decommissioned' &&
      CONNECTIVITY_PREDECESSORS[s.status].includes(current.status) &&
      (current.lastSeenAt === null || (s.lastSeenAt !== null && s.lastSeenAt >= current.lastSeenAt));
    if (!allowed || !current) {
      refused.add(s.id);
      continue;
    }
    const { id: _id, ...live } = s;
    model.set(s.id, { ...current, ...live });
  }
  return refused;
}
