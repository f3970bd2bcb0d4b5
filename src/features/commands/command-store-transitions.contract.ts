// CommandStore contract, part two: batched, guarded transitions (with a
// property test against a sequential reference model), the bulk-parent rules,
// and progress writes.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import {
  COMMAND_PREDECESSORS,
  COMMAND_STATUS_VALUES,
  TERMINAL_STATUSES,
  type CommandStatus,
} from './command-state.js';
import type { CommandTransitionWrite } from './command-store.js';
import { commandFixture, CREATED_AT, moveTo, parentFixture } from './command-store.fixtures.js';

const T = CREATED_AT;

export function describeCommandTransitionsContract(database: () => Database): void {
  describe('applyTransitions', () => {
    let db: Database;
    beforeEach(async () => {
      db = database();
      await db.commands.insertMany(['c1', 'c2', 'c3'].map((id) => commandFixture(id)));
    });

    const statuses = async (id: string) => (await db.commands.get(id))?.history.map((h) => h.status);
    /** The ids of the applied writes, in input order. */
    const applied = async (writes: readonly CommandTransitionWrite[]) =>
      (await db.commands.applyTransitions(writes)).map((a) => a.id);

    it('applies legal writes, returns their ids in order and appends one history entry each', async () => {
      expect(
        await applied([
          { id: 'c2', to: 'scheduled', at: T + 1, detail: 'placed on agent-1' },
          { id: 'c1', to: 'cancel_requested', at: T + 2 },
        ]),
      ).toEqual(['c2', 'c1']);
      expect(await db.commands.get('c2')).toMatchObject({
        status: 'scheduled',
        history: [
          { status: 'queued', at: T },
          { status: 'scheduled', at: T + 1, detail: 'placed on agent-1' },
        ],
      });
      expect((await db.commands.get('c1'))?.status).toBe('cancel_requested');
      expect((await db.commands.get('c3'))?.history).toEqual([{ status: 'queued', at: T }]);
    });

    it('stores progress, result and error when given and keeps them otherwise', async () => {
      await moveTo(db, ['c1', 'c2'], 'acknowledged');
      await db.commands.applyTransitions([
        { id: 'c1', to: 'running', at: T + 10, progress: { percent: 5, message: 'starting' } },
        { id: 'c2', to: 'running', at: T + 10 },
      ]);
      await db.commands.applyTransitions([
        { id: 'c1', to: 'succeeded', at: T + 20, result: { findings: [1, 2] } },
        { id: 'c2', to: 'failed', at: T + 20, error: { code: 'disk_full', message: 'no space' } },
      ]);
      expect(await db.commands.get('c1')).toMatchObject({
        status: 'succeeded',
        progress: { percent: 5, message: 'starting' },
        result: { findings: [1, 2] },
        error: null,
      });
      expect(await db.commands.get('c2')).toMatchObject({
        status: 'failed',
        progress: null,
        result: null,
        error: { code: 'disk_full', message: 'no space' },
      });
    });

    it("applies an agent's report only to that agent's command", async () => {
      const agentOf = (await db.commands.get('c1'))?.agentId ?? '';
      expect(await applied([{ id: 'c1', to: 'scheduled', at: T + 1, agentId: 'someone-else' }])).toEqual([]);
      expect((await db.commands.get('c1'))?.status).toBe('queued');
      expect(await applied([{ id: 'c1', to: 'scheduled', at: T + 1, agentId: agentOf }])).toEqual(['c1']);
    });

    it('refuses a write from an illegal predecessor: no id, no change, no history', async () => {
      const before = await db.commands.get('c1');
      expect(
        await applied([
          { id: 'c1', to: 'acknowledged', at: T + 1, delivered: true, result: 'late' },
          { id: 'c2', to: 'scheduled', at: T + 1 },
          { id: 'c3', to: 'running', at: T + 1 },
          { id: 'unknown', to: 'scheduled', at: T + 1 },
        ]),
      ).toEqual(['c2']);
      expect(await db.commands.get('c1')).toEqual(before);
      expect(await statuses('c3')).toEqual(['queued']);
    });

    it('never moves a command out of a terminal status', async () => {
      const terminal = [...TERMINAL_STATUSES];
      const ids = terminal.map((status) => `t-${status}`);
      await db.commands.insertMany(ids.map((id) => commandFixture(id)));
      for (const [i, status] of terminal.entries()) await moveTo(db, [ids[i] ?? ''], status);
      const before = await Promise.all(ids.map((id) => db.commands.get(id)));
      const writes = ids.flatMap((id) =>
        [...COMMAND_STATUS_VALUES, 'partially_failed' as const].map((to) => ({ id, to, at: T + 9_999 })),
      );
      expect(await applied(writes)).toEqual([]);
      expect(await Promise.all(ids.map((id) => db.commands.get(id)))).toEqual(before);
    });

    it('counts a redelivery (dispatched → dispatched) and records it', async () => {
      await moveTo(db, ['c1'], 'dispatched');
      expect(
        await applied([
          { id: 'c1', to: 'dispatched', at: T + 50, delivered: true, detail: 'redelivered after reconnect' },
        ]),
      ).toEqual(['c1']);
      const command = await db.commands.get('c1');
      expect(command?.deliveries).toBe(2);
      expect(command?.history.at(-1)).toEqual({
        status: 'dispatched',
        at: T + 50,
        detail: 'redelivered after reconnect',
      });
      expect(await statuses('c1')).toEqual(['queued', 'scheduled', 'dispatched', 'dispatched']);
    });

    it('applies several writes for one command within one batch in the order given', async () => {
      expect(
        await applied([
          { id: 'c1', to: 'scheduled', at: T + 1 },
          { id: 'c2', to: 'scheduled', at: T + 1 },
          { id: 'c1', to: 'acknowledged', at: T + 2 },
          { id: 'c1', to: 'dispatched', at: T + 3, delivered: true },
          { id: 'c1', to: 'dispatched', at: T + 4, delivered: true },
          { id: 'c1', to: 'acknowledged', at: T + 5 },
          { id: 'c2', to: 'queued', at: T + 5 },
        ]),
      ).toEqual(['c1', 'c2', 'c1', 'c1', 'c1']);
      const command = await db.commands.get('c1');
      expect(command).toMatchObject({ status: 'acknowledged', deliveries: 2 });
      expect(command?.history).toEqual([
        { status: 'queued', at: T },
        { status: 'scheduled', at: T + 1 },
        { status: 'dispatched', at: T + 3 },
        { status: 'dispatched', at: T + 4 },
        { status: 'acknowledged', at: T + 5 },
      ]);
      expect(await statuses('c2')).toEqual(['queued', 'scheduled']);
    });

    it('applies batches larger than one statement holds', async () => {
      const ids = Array.from({ length: 4_500 }, (_, i) => `big-${String(i).padStart(5, '0')}`);
      await db.commands.insertMany(ids.map((id) => commandFixture(id)));
      const writes: CommandTransitionWrite[] = [
        ...ids.map((id) => ({ id, to: 'scheduled' as const, at: T + 1 })),
        ...ids.map((id) => ({ id, to: 'dispatched' as const, at: T + 2, delivered: true })),
        ...ids.map((id) => ({ id, to: 'running' as const, at: T + 3 })),
      ];
      expect(await applied(writes)).toEqual(ids.concat(ids));
      expect((await db.commands.countsByStatus()).dispatched).toBe(4_500);
      expect(await db.commands.get('big-04499')).toMatchObject({
        deliveries: 1,
        history: [
          { status: 'queued', at: T },
          { status: 'scheduled', at: T + 1 },
          { status: 'dispatched', at: T + 2 },
        ],
      });
    });

    it('passes through the statuses named in via, from the first the stored status may move to', async () => {
      await moveTo(db, ['c1', 'c2'], 'dispatched');
      await moveTo(db, ['c3'], 'running');
      const report = (id: string) => ({
        id,
        to: 'succeeded' as const,
        via: ['acknowledged', 'running'] as const,
        at: T + 9_000,
        result: { ok: true },
        detail: 'done',
      });
      await db.commands.applyTransitions([{ id: 'c2', to: 'cancel_requested', at: T + 8_000 }]);
      expect(await db.commands.applyTransitions(['c1', 'c2', 'c3'].map(report))).toEqual([
        { id: 'c1', agentId: 'agent-1', from: 'dispatched', path: ['acknowledged', 'running', 'succeeded'] },
        { id: 'c2', agentId: 'agent-1', from: 'cancel_requested', path: ['succeeded'] },
        { id: 'c3', agentId: 'agent-1', from: 'running', path: ['succeeded'] },
      ]);
      expect((await db.commands.get('c1'))?.history.slice(-3)).toEqual([
        { status: 'acknowledged', at: T + 9_000 },
        { status: 'running', at: T + 9_000 },
        { status: 'succeeded', at: T + 9_000, detail: 'done' },
      ]);
      expect(await db.commands.get('c2')).toMatchObject({ status: 'succeeded', result: { ok: true } });
      expect(await statuses('c3')).toEqual([
        'queued',
        'scheduled',
        'dispatched',
        'acknowledged',
        'running',
        'succeeded',
      ]);
    });

    it('refuses a via path with an illegal step, and reports several writes of one command separately', async () => {
      expect(await applied([{ id: 'c1', to: 'succeeded', via: ['scheduled'], at: T + 1 }])).toEqual([]);
      expect(await statuses('c1')).toEqual(['queued']);
      expect(
        await db.commands.applyTransitions([
          { id: 'c1', to: 'dispatched', via: ['scheduled'], at: T + 1, delivered: true },
          { id: 'c1', to: 'running', via: ['acknowledged'], at: T + 2 },
        ]),
      ).toEqual([
        { id: 'c1', agentId: 'agent-1', from: 'queued', path: ['scheduled', 'dispatched'] },
        { id: 'c1', agentId: 'agent-1', from: 'dispatched', path: ['acknowledged', 'running'] },
      ]);
      expect(await db.commands.get('c1')).toMatchObject({ status: 'running', deliveries: 1 });
    });

    it('returns nothing for no writes', async () => {
      expect(await applied([])).toEqual([]);
    });

    describe('bulk parents', () => {
      beforeEach(async () => {
        await db.commands.insertMany([parentFixture('p1', ['a1', 'a2']), parentFixture('p2', ['a1'])]);
      });

      it('move forward through aggregate statuses, each change recorded once', async () => {
        const write = (to: CommandTransitionWrite['to'], at: number) => applied([{ id: 'p1', to, at }]);
        expect(await write('running', T + 1)).toEqual(['p1']);
        expect(await write('running', T + 2)).toEqual([]);
        expect(await write('queued', T + 3)).toEqual([]);
        expect(await write('partially_failed', T + 4)).toEqual(['p1']);
        expect(await statuses('p1')).toEqual(['queued', 'running', 'partially_failed']);
      });

      it('never leave a terminal aggregate', async () => {
        await db.commands.applyTransitions([{ id: 'p2', to: 'cancelled', at: T + 1 }]);
        const writes = (['queued', 'running', 'succeeded', 'failed', 'partially_failed'] as const).map(
          (to) => ({
            id: 'p2',
            to,
            at: T + 2,
          }),
        );
        expect(await applied(writes)).toEqual([]);
        expect(await statuses('p2')).toEqual(['queued', 'cancelled']);
      });

      it('take no machine-only status, and commands take no partially_failed', async () => {
        expect(
          await applied([
            { id: 'p1', to: 'scheduled', at: T + 1 },
            { id: 'p1', to: 'cancel_requested', at: T + 1 },
            { id: 'c1', to: 'partially_failed', at: T + 1 },
          ]),
        ).toEqual([]);
      });
    });

    it('never stores a status reached by an illegal path, however the writes are batched', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              command: fc.nat(3),
              to: fc.constantFrom(...COMMAND_STATUS_VALUES),
              delivered: fc.boolean(),
            }),
            { maxLength: 40 },
          ),
          fc.array(fc.nat(40), { maxLength: 8 }),
          async (steps, cuts) => {
            run += 1;
            const ids = [0, 1, 2, 3].map((i) => `run${run}-c${i}`);
            await db.commands.insertMany(ids.map((id) => commandFixture(id)));
            const model = new Map(
              ids.map((id) => [id, { path: ['queued'] as CommandStatus[], deliveries: 0 }]),
            );
            const writes = steps.map((step, i) => ({
              id: ids[step.command] ?? '',
              to: step.to,
              at: T + i,
              delivered: step.delivered,
            }));
            const bounds = [...new Set([0, ...cuts.filter((c) => c < writes.length), writes.length])].sort(
              (a, b) => a - b,
            );
            for (let b = 0; b + 1 < bounds.length; b++) {
              const batch = writes.slice(bounds[b], bounds[b + 1]);
              const expected: string[] = [];
              for (const write of batch) {
                const held = model.get(write.id);
                const current = held?.path.at(-1);
                if (!held || current === undefined || !COMMAND_PREDECESSORS[write.to].includes(current))
                  continue;
                held.path.push(write.to);
                held.deliveries += write.delivered ? 1 : 0;
                expected.push(write.id);
              }
              expect(await applied(batch)).toEqual(expected);
            }
            for (const id of ids) {
              const stored = await db.commands.get(id);
              const chain = (stored?.history ?? []).map((h) => h.status as CommandStatus);
              expect(chain).toEqual(model.get(id)?.path);
              expect(stored?.status).toBe(chain.at(-1));
              expect(stored?.deliveries).toBe(model.get(id)?.deliveries);
              expect(chain[0]).toBe('queued');
              for (let i = 1; i < chain.length; i++) {
                const [from, to] = [chain[i - 1], chain[i]] as [CommandStatus, CommandStatus];
                expect(COMMAND_PREDECESSORS[to]).toContain(from);
              }
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  describe('applyProgress', () => {
    let db: Database;
    beforeEach(async () => {
      db = database();
      await db.commands.insertMany(['run', 'cancel', 'queued', 'done'].map((id) => commandFixture(id)));
      await moveTo(db, ['run'], 'running');
      await moveTo(db, ['cancel'], 'cancel_requested');
      await moveTo(db, ['done'], 'succeeded');
    });

    it('updates running and cancel_requested commands only, the last write per command winning', async () => {
      const before = await Promise.all(['run', 'cancel', 'queued', 'done'].map((id) => db.commands.get(id)));
      await db.commands.applyProgress([
        { id: 'run', progress: { percent: 10, message: 'first' } },
        { id: 'cancel', progress: { percent: 20, message: 'still going' } },
        { id: 'queued', progress: { percent: 30, message: 'too early' } },
        { id: 'done', progress: { percent: 40, message: 'too late' } },
        { id: 'unknown', progress: { percent: 50, message: 'nobody' } },
        { id: 'run', progress: { percent: 60, message: 'second' } },
      ]);
      const after = await Promise.all(['run', 'cancel', 'queued', 'done'].map((id) => db.commands.get(id)));
      expect(after[0]).toEqual({ ...before[0], progress: { percent: 60, message: 'second' } });
      expect(after[1]).toEqual({ ...before[1], progress: { percent: 20, message: 'still going' } });
      expect(after[2]).toEqual(before[2]);
      expect(after[3]).toEqual(before[3]);
    });

    it('accepts no writes', async () => {
      await expect(db.commands.applyProgress([])).resolves.toBeUndefined();
    });
  });
}
