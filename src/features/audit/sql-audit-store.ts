// AuditStore over SQL (any Kysely dialect). Append-only: there is no update or
// delete here on purpose. Entries are listed oldest first by their time-ordered id.
import type { Selectable } from 'kysely';
import type { AuditLogTable } from '../../infra/store/sql/db-schema.js';
import {
  fetchLimit,
  fromJson,
  insertOnce,
  keysetPage,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { AuditEntry, AuditFilter } from './audit-entry.js';
import type { AuditStore } from './audit-store.js';

const toEntry = (row: Selectable<AuditLogTable>): AuditEntry => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  actorName: row.actor_name,
  action: row.action,
  targetKind: row.target_kind,
  targetId: row.target_id,
  outcome: row.outcome as AuditEntry['outcome'],
  errorCode: row.error_code,
  requestId: row.request_id,
  details: fromJson<Record<string, unknown>>(row.details),
});

const toRow = (entry: AuditEntry): Selectable<AuditLogTable> => ({
  id: entry.id,
  at: entry.at,
  actor: entry.actor,
  actor_name: entry.actorName,
  action: entry.action,
  target_kind: entry.targetKind,
  target_id: entry.targetId,
  outcome: entry.outcome,
  error_code: entry.errorCode,
  request_id: entry.requestId,
  details: toJson(entry.details),
});

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: SqlExecutor) {}

  async append(entry: AuditEntry): Promise<void> {
    await insertOnce(
      () => this.db.insertInto('audit_log').values(toRow(entry)).execute(),
      () => alreadyExists('audit entry already exists'),
    );
  }

  /** `since` is inclusive (entry time). */
  async list(
    filter: AuditFilter,
    page: { afterId?: string; limit: number },
  ): Promise<{ items: AuditEntry[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
    if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toEntry), nextAfterId };
  }
}
