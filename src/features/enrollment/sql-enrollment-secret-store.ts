// EnrollmentSecretStore over SQL (any Kysely dialect). Spending a use is one
// guarded UPDATE, so concurrent enrollments can never overspend a secret.
import type { Selectable } from 'kysely';
import type { EnrollmentSecretsTable } from '../../infra/store/sql/db-schema.js';
import { fetchLimit, insertOnce, keysetPage, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { EnrollmentSecret } from './enrollment-secret.js';
import type { EnrollmentSecretStore } from './enrollment-secret-store.js';

const toSecret = (row: Selectable<EnrollmentSecretsTable>): EnrollmentSecret => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  hint: row.hint,
  groupId: row.group_id,
  maxUses: row.max_uses,
  uses: row.uses,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  createdAt: row.created_at,
  createdBy: row.created_by,
});

const toRow = (secret: EnrollmentSecret): Selectable<EnrollmentSecretsTable> => ({
  id: secret.id,
  name: secret.name,
  secret_hash: secret.secretHash,
  hint: secret.hint,
  group_id: secret.groupId,
  max_uses: secret.maxUses,
  uses: secret.uses,
  expires_at: secret.expiresAt,
  revoked_at: secret.revokedAt,
  created_at: secret.createdAt,
  created_by: secret.createdBy,
});

export class SqlEnrollmentSecretStore implements EnrollmentSecretStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(secret: EnrollmentSecret): Promise<void> {
    await insertOnce(
      () => this.db.insertInto('enrollment_secrets').values(toRow(secret)).execute(),
      () => alreadyExists('enrollment secret already exists'),
    );
  }

  async get(id: string): Promise<EnrollmentSecret | undefined> {
    const row = await this.db
      .selectFrom('enrollment_secrets')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSecret(row);
  }

  async findByHash(secretHash: string): Promise<EnrollmentSecret | undefined> {
    const row = await this.db
      .selectFrom('enrollment_secrets')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row && toSecret(row);
  }

  /** The same rule as secretState(...) === 'active', checked and spent in one statement. */
  async consume(id: string, nowMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_secrets')
      .set((eb) => ({ uses: eb('uses', '+', 1) }))
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
      .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** False when absent or already revoked (the first revocation time stays). */
  async revoke(id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('enrollment_secrets')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async list(page: {
    afterId?: string;
    limit: number;
  }): Promise<{ items: EnrollmentSecret[]; nextAfterId: string | undefined }> {
    let query = this.db.selectFrom('enrollment_secrets').selectAll();
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toSecret), nextAfterId };
  }
}
