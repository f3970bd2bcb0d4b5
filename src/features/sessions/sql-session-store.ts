// SessionStore over SQL (any Kysely dialect). Tokens are looked up by hash
// through a unique index; the sweeper deletes expired sessions in bounded batches.
import type { Selectable } from 'kysely';
import type { SessionsTable } from '../../infra/store/sql/db-schema.js';
import {
  checkedLimit,
  fetchLimit,
  inTransaction,
  insertOnce,
  keysetPage,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { AgentSession } from './session.js';
import type { SessionStore } from './session-store.js';

const toSession = (row: Selectable<SessionsTable>): AgentSession => ({
  id: row.id,
  agentId: row.agent_id,
  tokenHash: row.token_hash,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  peer: row.peer,
});

const toRow = (session: AgentSession): Selectable<SessionsTable> => ({
  id: session.id,
  agent_id: session.agentId,
  token_hash: session.tokenHash,
  created_at: session.createdAt,
  expires_at: session.expiresAt,
  peer: session.peer,
});

const byId = (a: AgentSession, b: AgentSession): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(session: AgentSession): Promise<void> {
    await insertOnce(
      () => this.db.insertInto('sessions').values(toRow(session)).execute(),
      () => alreadyExists('session already exists'),
    );
  }

  async findByTokenHash(tokenHash: string): Promise<AgentSession | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toSession(row);
  }

  async get(id: string): Promise<AgentSession | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSession(row);
  }

  /** Two refreshes of one session race here: only the first finds the old row. */
  replace(oldId: string, next: AgentSession): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      const removed = await trx.deleteFrom('sessions').where('id', '=', oldId).executeTakeFirst();
      if (removed.numDeletedRows === 0n) return false;
      await new SqlSessionStore(trx).insert(next);
      return true;
    });
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Oldest session first (ids are time-ordered). */
  async deleteForAgent(agentId: string): Promise<AgentSession[]> {
    const rows = await this.db
      .deleteFrom('sessions')
      .where('agent_id', '=', agentId)
      .returningAll()
      .execute();
    return rows.map(toSession).sort(byId);
  }

  /** The `limit` longest-expired sessions (expiresAt <= nowMs), oldest first. */
  deleteExpired(nowMs: number, limit: number): Promise<AgentSession[]> {
    return inTransaction(this.db, async (trx) => {
      const expired = await trx
        .selectFrom('sessions')
        .select('id')
        .where('expires_at', '<=', nowMs)
        .orderBy('expires_at')
        .orderBy('id')
        .limit(checkedLimit(limit))
        .execute();
      if (expired.length === 0) return [];
      const rows = await trx
        .deleteFrom('sessions')
        .where(
          'id',
          'in',
          expired.map((row) => row.id),
        )
        .returningAll()
        .execute();
      return rows.map(toSession).sort((a, b) => a.expiresAt - b.expiresAt || byId(a, b));
    });
  }

  async list(
    filter: { agentId?: string },
    page: { afterId?: string; limit: number },
  ): Promise<{ items: AgentSession[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('sessions').selectAll();
    if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toSession), nextAfterId };
  }
}
