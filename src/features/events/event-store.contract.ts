// The EventStore contract (outbox and event log), run by every implementation
// through describeEventStoreContract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../infra/store/stores.js';
import { ErrorCode } from '../../shared/errors.js';
import { EVENT_SCHEMA_VERSION, type EventEnvelope, type EventType } from './event.js';

const T = Date.UTC(2026, 0, 1);

const event = (id: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope => ({
  id,
  type: 'agent_heartbeat',
  schemaVersion: EVENT_SCHEMA_VERSION,
  occurredAt: T,
  subject: { kind: 'agent', id: 'a1' },
  actor: 'agent:a1',
  data: { sequence: 1, nested: { ok: true, list: [1, 'two', null] } },
  ...overrides,
});

const idsOf = (page: { items: readonly EventEnvelope[] }) => page.items.map((e) => e.id);

export function describeEventStoreContract(name: string, open: () => Promise<Database>): void {
  describe(`EventStore contract (${name})`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it('appends envelopes and returns them whole', async () => {
      const e = event('e1', {
        type: 'session_started',
        subject: { kind: 'session', id: 's1' },
        actor: 'system',
        occurredAt: T + 1,
      });
      await db.events.append([e]);
      await db.events.append([]);
      expect(await db.events.list({}, { limit: 10, order: 'asc' })).toEqual({
        items: [e],
        nextAfterId: undefined,
      });
    });

    it('appends a batch all or nothing', async () => {
      await db.events.append([event('e2')]);
      await expect(db.events.append([event('e1'), event('e2'), event('e3')])).rejects.toMatchObject({
        code: ErrorCode.AlreadyExists,
      });
      expect(idsOf(await db.events.list({}, { limit: 10, order: 'asc' }))).toEqual(['e2']);
    });

    describe('outbox', () => {
      it('hands out unpublished events oldest id first, up to the limit', async () => {
        await db.events.append([event('e3'), event('e1')]);
        await db.events.append([event('e2')]);
        expect((await db.events.unpublished(2)).map((e) => e.id)).toEqual(['e1', 'e2']);
        expect(await db.events.unpublished(10)).toEqual([event('e1'), event('e2'), event('e3')]);
        await expect(db.events.unpublished(0)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
      });

      it('stops handing out what was marked published, and keeps it listed', async () => {
        await db.events.append([event('e1'), event('e2'), event('e3')]);
        await db.events.markPublished(['e1', 'e3', 'unknown'], T + 10);
        expect((await db.events.unpublished(10)).map((e) => e.id)).toEqual(['e2']);
        await db.events.markPublished(['e1', 'e2'], T + 20);
        await db.events.markPublished([], T + 30);
        expect(await db.events.unpublished(10)).toEqual([]);
        expect(idsOf(await db.events.list({}, { limit: 10, order: 'asc' }))).toEqual(['e1', 'e2', 'e3']);
      });

      it('measures the backlog: unpublished events up to a limit, and when the oldest occurred', async () => {
        expect(await db.events.backlog(100)).toEqual({ events: 0, oldestOccurredAt: undefined });
        await db.events.append([
          event('e1', { occurredAt: T + 1 }),
          event('e2', { occurredAt: T + 2 }),
          event('e3', { occurredAt: T + 3 }),
        ]);
        expect(await db.events.backlog(100)).toEqual({ events: 3, oldestOccurredAt: T + 1 });
        // Counted only up to the limit: the read stays bounded however far the relay is behind.
        expect(await db.events.backlog(2)).toEqual({ events: 2, oldestOccurredAt: T + 1 });
        await db.events.markPublished(['e1'], T + 10);
        expect(await db.events.backlog(100)).toEqual({ events: 2, oldestOccurredAt: T + 2 });
        await db.events.markPublished(['e2', 'e3'], T + 20);
        expect(await db.events.backlog(100)).toEqual({ events: 0, oldestOccurredAt: undefined });
        await expect(db.events.backlog(0)).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
      });

      it('appends and marks published batches larger than one statement carries', async () => {
        const many = Array.from({ length: 5_000 }, (_, i) => event(`e${String(i).padStart(5, '0')}`));
        await db.events.append(many);
        expect((await db.events.unpublished(5_000)).length).toBe(5_000);
        await db.events.markPublished(
          many.slice(0, 4_999).map((e) => e.id),
          T,
        );
        expect(await db.events.unpublished(10)).toEqual([event('e04999')]);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        await db.events.append([
          event('e1', { type: 'agent_registered', occurredAt: T + 100 }),
          event('e2', { type: 'agent_heartbeat', occurredAt: T + 200 }),
          event('e3', {
            type: 'session_started',
            occurredAt: T + 300,
            subject: { kind: 'session', id: 's1' },
          }),
          event('e4', { type: 'agent_heartbeat', occurredAt: T + 400, subject: { kind: 'agent', id: 'a2' } }),
          event('e5', { type: 'agent_unregistered', occurredAt: T + 500 }),
        ]);
      });

      it('pages forwards and backwards by id', async () => {
        const up = await db.events.list({}, { limit: 2, order: 'asc' });
        expect([idsOf(up), up.nextAfterId]).toEqual([['e1', 'e2'], 'e2']);
        const up2 = await db.events.list({}, { afterId: 'e2', limit: 3, order: 'asc' });
        expect([idsOf(up2), up2.nextAfterId]).toEqual([['e3', 'e4', 'e5'], undefined]);
        const down = await db.events.list({}, { limit: 2, order: 'desc' });
        expect([idsOf(down), down.nextAfterId]).toEqual([['e5', 'e4'], 'e4']);
        const down2 = await db.events.list({}, { afterId: 'e4', limit: 2, order: 'desc' });
        expect([idsOf(down2), down2.nextAfterId]).toEqual([['e3', 'e2'], 'e2']);
        const down3 = await db.events.list({}, { afterId: 'e2', limit: 2, order: 'desc' });
        expect([idsOf(down3), down3.nextAfterId]).toEqual([['e1'], undefined]);
      });

      it('filters by any of several types', async () => {
        const types: EventType[] = ['agent_heartbeat', 'agent_unregistered'];
        expect(idsOf(await db.events.list({ types }, { limit: 10, order: 'asc' }))).toEqual([
          'e2',
          'e4',
          'e5',
        ]);
        expect(idsOf(await db.events.list({ types: [] }, { limit: 10, order: 'asc' }))).toHaveLength(5);
      });

      it('filters by subject', async () => {
        expect(idsOf(await db.events.list({ subjectId: 'a2' }, { limit: 10, order: 'asc' }))).toEqual(['e4']);
        expect(idsOf(await db.events.list({ subjectId: 's1' }, { limit: 10, order: 'desc' }))).toEqual([
          'e3',
        ]);
      });

      it('filters by time, since inclusive and until exclusive', async () => {
        expect(idsOf(await db.events.list({ since: T + 200 }, { limit: 10, order: 'asc' }))).toEqual([
          'e2',
          'e3',
          'e4',
          'e5',
        ]);
        expect(idsOf(await db.events.list({ until: T + 300 }, { limit: 10, order: 'asc' }))).toEqual([
          'e1',
          'e2',
        ]);
        expect(
          idsOf(await db.events.list({ since: T + 200, until: T + 400 }, { limit: 10, order: 'desc' })),
        ).toEqual(['e3', 'e2']);
      });

      it('pages through a filtered list', async () => {
        const filter = { types: ['agent_heartbeat', 'agent_registered'] as EventType[], subjectId: 'a1' };
        const first = await db.events.list(filter, { limit: 1, order: 'desc' });
        expect([idsOf(first), first.nextAfterId]).toEqual([['e2'], 'e2']);
        const second = await db.events.list(filter, { afterId: 'e2', limit: 1, order: 'desc' });
        expect([idsOf(second), second.nextAfterId]).toEqual([['e1'], undefined]);
      });
    });
  });
}
