// EventStore over SQL (any Kysely dialect): the transactional outbox (rows with
// published_at null, read by the relay in id order) and the queryable event log.
import type { Selectable } from 'kysely';
import type { EventsTable } from '../../infra/store/sql/db-schema.js';
import {
  batches,
  checkedLimit,
  fetchLimit,
  fromJson,
  inTransaction,
  insertOnce,
  keysetPage,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { EventEnvelope, EventType } from './event.js';
import type { EventFilter, EventStore, OutboxBacklog } from './event-store.js';

const EVENTS_PER_INSERT = 256;
/** Ids per markPublished statement; relay batches are usually far smaller. */
const IDS_PER_STATEMENT = 512;

const toEvent = (row: Selectable<EventsTable>): EventEnvelope => ({
  id: row.id,
  type: row.type as EventType,
  schemaVersion: row.schema_version,
  occurredAt: row.occurred_at,
  subject: { kind: row.subject_kind as EventEnvelope['subject']['kind'], id: row.subject_id },
  actor: row.actor,
  data: fromJson<Record<string, unknown>>(row.data),
});

const toRow = (event: EventEnvelope): Selectable<EventsTable> => ({
  id: event.id,
  type: event.type,
  schema_version: event.schemaVersion,
  subject_kind: event.subject.kind,
  subject_id: event.subject.id,
  actor: event.actor,
  occurred_at: event.occurredAt,
  data: toJson(event.data),
  published_at: null,
});

export class SqlEventStore implements EventStore {
  /** `appended` hears of every append that went through (the unit of work reports them once committed). */
  constructor(
    private readonly db: SqlExecutor,
    private readonly appended: (events: readonly EventEnvelope[]) => void = () => undefined,
  ) {}

  /** All or none, also when the batch spans several statements. */
  async append(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of batches(events, EVENTS_PER_INSERT)) {
        await insertOnce(
          () => trx.insertInto('events').values(part.map(toRow)).execute(),
          () => alreadyExists('event already exists'),
        );
      }
    });
    this.appended(events);
  }

  async unpublished(limit: number): Promise<EventEnvelope[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toEvent);
  }

  /** Keeps the first publication time of an event relayed twice. One transaction, whatever the size. */
  async markPublished(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of batches(ids, IDS_PER_STATEMENT)) {
        await trx
          .updateTable('events')
          .set({ published_at: at })
          .where('id', 'in', part)
          .where('published_at', 'is', null)
          .execute();
      }
    });
  }

  /** Both reads stay on the partial index of unpublished events: the head, and at most `countLimit` entries. */
  async backlog(countLimit: number): Promise<OutboxBacklog> {
    const limit = checkedLimit(countLimit);
    const [head, counted] = await Promise.all([
      this.db
        .selectFrom('events')
        .select('occurred_at')
        .where('published_at', 'is', null)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst(),
      this.db
        .selectFrom((db) =>
          db.selectFrom('events').select('id').where('published_at', 'is', null).limit(limit).as('waiting'),
        )
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    return { events: Number(counted.n), oldestOccurredAt: head?.occurred_at };
  }

  /** `since` is inclusive and `until` exclusive (occurredAt). */
  async list(
    filter: EventFilter,
    page: { afterId?: string; limit: number; order: 'asc' | 'desc' },
  ): Promise<{ items: EventEnvelope[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('events').selectAll();
    if (filter.types?.length) query = query.where('type', 'in', filter.types);
    if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
    if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
    if (filter.until !== undefined) query = query.where('occurred_at', '<', filter.until);
    if (page.afterId !== undefined) query = query.where('id', page.order === 'asc' ? '>' : '<', page.afterId);
    const rows = await query.orderBy('id', page.order).limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toEvent), nextAfterId };
  }
}
