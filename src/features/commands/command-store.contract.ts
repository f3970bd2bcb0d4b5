// The CommandStore contract: every implementation (SQLite now, PostgreSQL later)
// runs this suite through describeCommandStoreContract. Inserting, reading,
// idempotency keys, listing, the agent queue, sweeps, counts and transactions
// here; batched transitions and progress in command-store-transitions.contract.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Stores } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { describeCommandTransitionsContract } from './command-store-transitions.contract.js';
import type { CommandFilter } from './command-store.js';
import {
  commandFixture,
  CREATED_AT,
  DEADLINE_AT,
  EXPIRES_AT,
  moveTo,
  parentFixture,
} from './command-store.fixtures.js';

const T = CREATED_AT;

export function describeCommandStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`CommandStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    const ids = async (filter: CommandFilter, order: 'asc' | 'desc' = 'asc') =>
      (await db.commands.list(filter, { limit: 100, order })).items.map((c) => c.id);

    describe('insertMany and get', () => {
      it('stores every field and the history, and reads them back', async () => {
        const command = commandFixture('c1', {
          params: { nested: { list: [1, 'two', null, true] } },
          priority: 'emergency',
          idempotencyKey: 'key-1',
          history: [
            { status: 'queued', at: T },
            { status: 'scheduled', at: T + 5, detail: 'placed' },
          ],
          status: 'scheduled',
        });
        await db.commands.insertMany([command]);
        expect(await db.commands.get('c1')).toEqual(command);
      });

      it('stores a bulk parent and its children in one call', async () => {
        const parent = parentFixture('p1', ['a1', 'a2']);
        const children = ['a1', 'a2'].map((agentId, i) =>
          commandFixture(`p1-${i}`, { agentId, parentId: 'p1' }),
        );
        await db.commands.insertMany([parent, ...children]);
        expect(await db.commands.get('p1')).toEqual(parent);
        expect(await ids({ parentId: 'p1' })).toEqual(['p1-0', 'p1-1']);
      });

      it('starts the history with the status when the command brings none', async () => {
        await db.commands.insertMany([commandFixture('c1', { history: [], createdAt: T + 7 })]);
        expect((await db.commands.get('c1'))?.history).toEqual([{ status: 'queued', at: T + 7 }]);
      });

      it('keeps a stored JSON null result apart from no result', async () => {
        await db.commands.insertMany([
          commandFixture('c1', { result: null }),
          commandFixture('c2', {
            result: [null],
            progress: { percent: 50, message: 'half' },
            error: { code: 'x', message: 'y' },
          }),
        ]);
        expect(await db.commands.get('c1')).toMatchObject({ result: null, progress: null, error: null });
        expect(await db.commands.get('c2')).toMatchObject({
          result: [null],
          progress: { percent: 50, message: 'half' },
          error: { code: 'x', message: 'y' },
        });
      });

      it('answers undefined for an unknown id', async () => {
        expect(await db.commands.get('nothing')).toBeUndefined();
      });

      it('refuses a duplicate id and stores nothing of that call', async () => {
        await db.commands.insertMany([commandFixture('c1')]);
        await expect(
          db.commands.insertMany([commandFixture('c2'), commandFixture('c1', { type: 'other' })]),
        ).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
        expect(await db.commands.get('c2')).toBeUndefined();
        expect((await db.commands.get('c1'))?.type).toBe('scan');
      });

      it('inserts more commands than fit in one statement', async () => {
        const many = Array.from({ length: 3_000 }, (_, i) =>
          commandFixture(`c${String(i).padStart(5, '0')}`),
        );
        await db.commands.insertMany(many);
        const page = await db.commands.list({}, { limit: 5_000, order: 'asc' });
        expect(page.items).toEqual(many);
      });
    });

    describe('idempotency keys', () => {
      it('finds the command a key was remembered for, with the request hash', async () => {
        const command = commandFixture('c1', { idempotencyKey: 'k1' });
        await db.commands.insertMany([command]);
        await db.commands.claimIdempotencyKey('api-key:ops-1', 'k1', 'c1', 'hash-1', T);
        expect(await db.commands.findByIdempotencyKey('api-key:ops-1', 'k1')).toEqual({
          command,
          requestHash: 'hash-1',
        });
      });

      it('keeps keys per requester', async () => {
        await db.commands.insertMany([commandFixture('c1'), commandFixture('c2')]);
        await db.commands.claimIdempotencyKey('r1', 'k', 'c1', 'h1', T);
        await db.commands.claimIdempotencyKey('r2', 'k', 'c2', 'h2', T);
        expect((await db.commands.findByIdempotencyKey('r2', 'k'))?.command.id).toBe('c2');
        expect(await db.commands.findByIdempotencyKey('r3', 'k')).toBeUndefined();
        expect(await db.commands.findByIdempotencyKey('r1', 'other')).toBeUndefined();
      });

      it('does not claim a key already claimed, and keeps the first', async () => {
        await db.commands.insertMany([commandFixture('c1'), commandFixture('c2')]);
        expect(await db.commands.claimIdempotencyKey('r1', 'k', 'c1', 'h1', T)).toBe(true);
        expect(await db.commands.claimIdempotencyKey('r1', 'k', 'c2', 'h2', T)).toBe(false);
        expect(await db.commands.findByIdempotencyKey('r1', 'k')).toMatchObject({
          command: { id: 'c1' },
          requestHash: 'h1',
        });
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await db.commands.insertMany([
          commandFixture('c1', { agentId: 'a1', type: 'scan', createdAt: T }),
          commandFixture('c2', { agentId: 'a2', type: 'status', createdAt: T + 10 }),
          parentFixture('c3', ['a1', 'a2'], { type: 'scan', createdAt: T + 20 }),
          commandFixture('c4', { agentId: 'a1', type: 'scan', parentId: 'c3', createdAt: T + 20 }),
          commandFixture('c5', { agentId: 'a2', type: 'scan', parentId: 'c3', createdAt: T + 20 }),
        ]);
        await moveTo(db, ['c2', 'c4'], 'running');
      });

      it('filters by status (aggregate statuses included), agent, type, parent and creation time', async () => {
        expect(await ids({ status: ['running'] })).toEqual(['c2', 'c4']);
        expect(await ids({ status: ['queued', 'running'] })).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
        expect(await ids({ status: [] })).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
        await db.commands.applyTransitions([{ id: 'c3', to: 'partially_failed', at: T + 99 }]);
        expect(await ids({ status: ['partially_failed'] })).toEqual(['c3']);
        expect(await ids({ agentId: 'a1' })).toEqual(['c1', 'c4']);
        expect(await ids({ type: 'status' })).toEqual(['c2']);
        expect(await ids({ parentId: 'c3' })).toEqual(['c4', 'c5']);
        expect(await ids({ since: T + 10 })).toEqual(['c2', 'c3', 'c4', 'c5']);
        expect(await ids({ until: T + 20 })).toEqual(['c1', 'c2']);
        expect(await ids({ since: T + 10, until: T + 20, agentId: 'a2', status: ['running'] })).toEqual([
          'c2',
        ]);
        expect(await ids({ agentId: 'nobody' })).toEqual([]);
      });

      it('pages by id, ascending and descending, to the end', async () => {
        const walk = async (order: 'asc' | 'desc') => {
          const seen: string[][] = [];
          let afterId: string | undefined;
          do {
            const page = await db.commands.list({}, { limit: 2, order, ...(afterId && { afterId }) });
            seen.push(page.items.map((c) => c.id));
            afterId = page.nextAfterId;
          } while (afterId !== undefined);
          return seen;
        };
        expect(await walk('asc')).toEqual([['c1', 'c2'], ['c3', 'c4'], ['c5']]);
        expect(await walk('desc')).toEqual([['c5', 'c4'], ['c3', 'c2'], ['c1']]);
        expect((await db.commands.list({}, { limit: 5, order: 'asc' })).nextAfterId).toBeUndefined();
        expect(await ids({ agentId: 'a1' }, 'desc')).toEqual(['c4', 'c1']);
      });

      it('returns each command with its full history', async () => {
        const { items } = await db.commands.list({ agentId: 'a1' }, { limit: 10, order: 'asc' });
        expect(items.map((c) => c.history.map((h) => h.status))).toEqual([
          ['queued'],
          ['queued', 'scheduled', 'dispatched', 'acknowledged', 'running'],
        ]);
        expect(items[1]).toEqual(await db.commands.get('c4'));
      });

      it('refuses a limit that is not a positive integer', async () => {
        await expect(db.commands.list({}, { limit: 0, order: 'asc' })).rejects.toMatchObject({
          code: ErrorCode.InvalidArgument,
        });
      });
    });

    describe("one agent's backlog and outstanding commands", () => {
      beforeEach(async () => {
        await db.commands.insertMany([
          commandFixture('c1', { priority: 'low' }),
          commandFixture('c2', { priority: 'normal' }),
          commandFixture('c3', { priority: 'normal' }),
          commandFixture('c4', { priority: 'emergency' }),
          commandFixture('c5', { priority: 'high' }),
          commandFixture('c6', { priority: 'emergency' }),
          commandFixture('c7', { priority: 'emergency', agentId: 'agent-2' }),
          commandFixture('c8', { priority: 'emergency', expiresAt: T + 10 }),
          commandFixture('c9', { priority: 'emergency' }),
          commandFixture('c10', { priority: 'emergency' }),
          commandFixture('c11', { expiresAt: T + 10 }),
          commandFixture('c12'),
        ]);
        await moveTo(db, ['c3', 'c11'], 'dispatched');
        await moveTo(db, ['c6'], 'scheduled');
        await moveTo(db, ['c9'], 'acknowledged');
        await moveTo(db, ['c10'], 'cancel_requested');
        await moveTo(db, ['c12'], 'succeeded');
      });

      it('backlog: queued and scheduled, unexpired; emergency first, then priority, then oldest', async () => {
        const backlog = await db.commands.backlogForAgent('agent-1', T + 10, 10);
        expect(backlog.map((c) => c.id)).toEqual(['c4', 'c6', 'c5', 'c2', 'c1']);
        expect(backlog[1]).toEqual(await db.commands.get('c6'));
        expect((await db.commands.backlogForAgent('agent-1', T + 10, 2)).map((c) => c.id)).toEqual([
          'c4',
          'c6',
        ]);
        expect((await db.commands.backlogForAgent('agent-1', T + 9, 10)).map((c) => c.id)).toContain('c8');
        expect(await db.commands.backlogForAgent('agent-1', EXPIRES_AT, 10)).toEqual([]);
      });

      it('agents with backlog: those among the given with unexpired work created by then', async () => {
        await db.commands.insertMany([
          commandFixture('late', { agentId: 'agent-3', createdAt: T + 5 }),
          commandFixture('done', { agentId: 'agent-4' }),
        ]);
        await moveTo(db, ['done'], 'succeeded');
        const agents = ['agent-1', 'agent-2', 'agent-3', 'agent-4', 'agent-5'];
        expect((await db.commands.agentsWithBacklog(agents, T + 5, T + 10)).sort()).toEqual([
          'agent-1',
          'agent-2',
          'agent-3',
        ]);
        // Created after the cut-off, or of agents not asked about: not reported.
        expect((await db.commands.agentsWithBacklog(agents, T + 4, T + 10)).sort()).toEqual([
          'agent-1',
          'agent-2',
        ]);
        expect(await db.commands.agentsWithBacklog(['agent-2', 'agent-2'], T, T + 10)).toEqual(['agent-2']);
        expect(await db.commands.agentsWithBacklog([], T, T + 10)).toEqual([]);
        // Expired work is the sweep's, not an agent's.
        expect(await db.commands.agentsWithBacklog(agents, T + 5, EXPIRES_AT)).toEqual([]);
      });

      it('outstanding: dispatched (unexpired), acknowledged, running and cancel_requested, oldest first', async () => {
        expect((await db.commands.outstandingOnAgent('agent-1', T + 10, 10)).map((c) => c.id)).toEqual([
          'c10',
          'c3',
          'c9',
        ]);
        expect((await db.commands.outstandingOnAgent('agent-1', T + 9, 10)).map((c) => c.id)).toEqual([
          'c10',
          'c11',
          'c3',
          'c9',
        ]);
        expect(await db.commands.outstandingOnAgent('agent-2', T, 10)).toEqual([]);
        expect((await db.commands.outstandingOnAgent('agent-1', T, 1)).map((c) => c.id)).toEqual(['c10']);
      });
    });

    describe('children waiting for placement', () => {
      it('lists unplaced, queued, unexpired children by priority; placing one takes it off', async () => {
        await db.commands.insertMany([
          parentFixture('p', []),
          commandFixture('u1', { parentId: 'p', agentId: null }),
          commandFixture('u2', { parentId: 'p', agentId: null, priority: 'high' }),
          commandFixture('u3', { parentId: 'p', agentId: null, expiresAt: T + 5 }),
          commandFixture('u4', { parentId: 'p', agentId: null }),
          commandFixture('placed', { parentId: 'p', agentId: 'a1' }),
        ]);
        await db.commands.applyTransitions([{ id: 'u4', to: 'cancel_requested', at: T + 1 }]);
        expect((await db.commands.unplacedChildren(T + 5, 10)).map((c) => c.id)).toEqual(['u2', 'u1']);
        expect((await db.commands.unplacedChildren(T, 10)).map((c) => c.id)).toEqual(['u2', 'u1', 'u3']);
        expect(
          await db.commands.applyTransitions([
            { id: 'u1', to: 'scheduled', at: T + 2, assignAgentId: 'a2', detail: 'placed' },
            { id: 'placed', to: 'scheduled', at: T + 2, assignAgentId: 'a3' },
            { id: 'p', to: 'running', at: T + 2, assignAgentId: 'a3' },
          ]),
        ).toEqual([{ id: 'u1', agentId: 'a2', from: 'queued', path: ['scheduled'] }]);
        expect(await db.commands.get('u1')).toMatchObject({ agentId: 'a2', status: 'scheduled' });
        expect(await db.commands.get('placed')).toMatchObject({ agentId: 'a1', status: 'queued' });
        expect((await db.commands.unplacedChildren(T, 10)).map((c) => c.id)).toEqual(['u2', 'u3']);
        expect((await db.commands.backlogForAgent('a2', T, 10)).map((c) => c.id)).toEqual(['u1']);
        expect((await db.commands.countsByStatus()).queued).toBe(3);
        expect((await db.commands.openParents(10)).map((c) => c.id)).toEqual(['p']);
      });
    });

    describe('bulk parents', () => {
      it('lists open parents and counts their children by status', async () => {
        await db.commands.insertMany([
          parentFixture('p1', ['a1', 'a2']),
          parentFixture('p2', ['a1']),
          parentFixture('p3', ['a1']),
          commandFixture('c1', { parentId: 'p1', agentId: 'a1' }),
          commandFixture('c2', { parentId: 'p1', agentId: 'a2' }),
          commandFixture('c3', { parentId: 'p2', agentId: 'a1' }),
        ]);
        await moveTo(db, ['c1', 'c3'], 'succeeded');
        await db.commands.applyTransitions([
          { id: 'p1', to: 'running', at: T + 1 },
          { id: 'p2', to: 'succeeded', at: T + 1 },
        ]);
        expect((await db.commands.openParents(10)).map((c) => c.id)).toEqual(['p1', 'p3']);
        expect((await db.commands.openParents(1)).map((c) => c.id)).toEqual(['p1']);
        expect(await db.commands.childCounts(['p1', 'p2', 'p3', 'p1'])).toEqual(
          new Map([
            ['p1', { succeeded: 1, queued: 1 }],
            ['p2', { succeeded: 1 }],
          ]),
        );
      });
    });

    describe('sweeps', () => {
      beforeEach(async () => {
        await db.commands.insertMany([
          commandFixture('q', { expiresAt: T + 100, deadlineAt: T + 100 }),
          commandFixture('s', { expiresAt: T + 50, deadlineAt: T + 50 }),
          commandFixture('d', { expiresAt: T + 200, deadlineAt: T + 200 }),
          commandFixture('a', { expiresAt: T + 10, deadlineAt: T + 300 }),
          commandFixture('r', { expiresAt: T + 10, deadlineAt: T + 150 }),
          commandFixture('x', { expiresAt: T + 10, deadlineAt: T + 10 }),
          commandFixture('later', { expiresAt: DEADLINE_AT, deadlineAt: DEADLINE_AT }),
          parentFixture('p', ['agent-1'], { expiresAt: T, deadlineAt: T }),
        ]);
        await moveTo(db, ['s'], 'scheduled');
        await moveTo(db, ['d'], 'dispatched');
        await moveTo(db, ['a'], 'acknowledged');
        await moveTo(db, ['r'], 'cancel_requested');
        await moveTo(db, ['x'], 'succeeded');
        await db.commands.applyTransitions([{ id: 'p', to: 'running', at: T }]);
      });

      it('finds commands that never reached an agent and whose expiry passed, oldest expiry first', async () => {
        expect(await db.commands.dueToExpire(T + 1_000, 10)).toEqual(['s', 'q', 'd']);
        expect(await db.commands.dueToExpire(T + 100, 10)).toEqual(['s', 'q']);
        expect(await db.commands.dueToExpire(T + 99, 10)).toEqual(['s']);
        expect(await db.commands.dueToExpire(T + 1_000, 1)).toEqual(['s']);
      });

      it('finds commands out on an agent whose deadline passed, oldest deadline first', async () => {
        expect(await db.commands.dueToTimeOut(T + 1_000, 10)).toEqual(['r', 'd', 'a']);
        expect(await db.commands.dueToTimeOut(T + 200, 10)).toEqual(['r', 'd']);
        expect(await db.commands.dueToTimeOut(T + 1_000, 2)).toEqual(['r', 'd']);
        expect(await db.commands.dueToTimeOut(T + 149, 10)).toEqual([]);
      });
    });

    describe('countsByStatus', () => {
      it('counts commands per status, zero for the empty ones, bulk parents left out', async () => {
        await db.commands.insertMany([
          parentFixture('p', ['a1', 'a2']),
          commandFixture('c1', { parentId: 'p' }),
          commandFixture('c2', { parentId: 'p' }),
          commandFixture('c3'),
        ]);
        await moveTo(db, ['c1', 'c2'], 'running');
        await db.commands.applyTransitions([{ id: 'p', to: 'running', at: T + 1 }]);
        expect(await db.commands.countsByStatus()).toEqual({
          queued: 1,
          scheduled: 0,
          dispatched: 0,
          acknowledged: 0,
          running: 2,
          succeeded: 0,
          failed: 0,
          timed_out: 0,
          cancel_requested: 0,
          cancelled: 0,
          expired: 0,
        });
      });
    });

    describe('in a transaction', () => {
      const work = async (stores: Stores) => {
        await stores.commands.insertMany([commandFixture('new')]);
        await stores.commands.claimIdempotencyKey('r1', 'k1', 'new', 'h1', T);
        await stores.commands.applyTransitions([
          { id: 'old', to: 'running', at: T + 1 },
          { id: 'new', to: 'scheduled', at: T + 1 },
        ]);
        await stores.commands.applyProgress([{ id: 'old', progress: { percent: 10, message: 'm' } }]);
      };

      beforeEach(async () => {
        await db.commands.insertMany([commandFixture('old')]);
        await moveTo(db, ['old'], 'acknowledged');
      });

      it('commits every write together', async () => {
        await db.transaction(work);
        expect(await db.commands.get('new')).toMatchObject({ status: 'scheduled' });
        expect(await db.commands.get('old')).toMatchObject({
          status: 'running',
          progress: { percent: 10, message: 'm' },
        });
        expect((await db.commands.findByIdempotencyKey('r1', 'k1'))?.command.id).toBe('new');
      });

      it('leaves nothing behind when the work throws', async () => {
        const before = await db.commands.get('old');
        const failure = new Error('work failed');
        await expect(
          db.transaction(async (stores) => {
            await work(stores);
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await db.commands.get('new')).toBeUndefined();
        expect(await db.commands.get('old')).toEqual(before);
        expect(await db.commands.findByIdempotencyKey('r1', 'k1')).toBeUndefined();
        expect(await ids({})).toEqual(['old']);
        // The history rows went too: the next write appends right after the committed ones.
        await db.commands.applyTransitions([{ id: 'old', to: 'running', at: T + 2 }]);
        expect((await db.commands.get('old'))?.history.map((h) => h.status)).toEqual([
          'queued',
          'scheduled',
          'dispatched',
          'acknowledged',
          'running',
        ]);
      });
    });

    describeCommandTransitionsContract(() => db);
  });
}
