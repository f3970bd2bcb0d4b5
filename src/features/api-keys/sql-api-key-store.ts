// ApiKeyStore over SQL (any Kysely dialect). Keys are found by the hash of the
// presented value through a unique index; the plain key is never stored.
import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../../infra/store/sql/db-schema.js';
import { fetchLimit, insertOnce, keysetPage, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { ApiKey, Role } from './api-key.js';
import type { ApiKeyStore } from './api-key-store.js';

const toKey = (row: Selectable<ApiKeysTable>): ApiKey => ({
  id: row.id,
  name: row.name,
  role: row.role as Role,
  keyHash: row.key_hash,
  hint: row.hint,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
});

const toRow = (key: ApiKey): Selectable<ApiKeysTable> => ({
  id: key.id,
  name: key.name,
  role: key.role,
  key_hash: key.keyHash,
  hint: key.hint,
  created_at: key.createdAt,
  created_by: key.createdBy,
  expires_at: key.expiresAt,
  revoked_at: key.revokedAt,
  last_used_at: key.lastUsedAt,
});

export class SqlApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(key: ApiKey): Promise<void> {
    await insertOnce(
      () => this.db.insertInto('api_keys').values(toRow(key)).execute(),
      () => alreadyExists('API key already exists'),
    );
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toKey(row);
  }

  async findByHash(keyHash: string): Promise<ApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('key_hash', '=', keyHash)
      .executeTakeFirst();
    return row && toKey(row);
  }

  /** False when absent or already revoked (the first revocation time stays). */
  async revoke(id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Records a use; last_used_at only moves forward, whatever order concurrent requests land in. */
  async touch(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }

  /** Every key ever created, revoked and expired ones included. */
  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(page: {
    afterId?: string;
    limit: number;
  }): Promise<{ items: ApiKey[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toKey), nextAfterId };
  }
}
