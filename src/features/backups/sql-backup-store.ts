// BackupStore over SQL (any Kysely dialect): the `backups` table (listings
// read the summary columns only, never documents), and the whole-state reads
// and writes in sql-state-snapshot.ts.
import type { Selectable } from 'kysely';
import type { BackupsTable } from '../../infra/store/sql/db-schema.js';
import { fetchLimit, keysetPage, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import type { ConfigRevision, StoredLayer } from '../configuration/configuration-store.js';
import type {
  BackupPage,
  BackupRecord,
  BackupStore,
  BackupSummary,
  PolicyWithVersions,
} from './backup-store.js';
import { SqlStateSnapshot } from './sql-state-snapshot.js';

const SUMMARY_COLUMNS = ['id', 'name', 'scope', 'created_at', 'created_by', 'checksum', 'size'] as const;

const toSummary = (row: Omit<Selectable<BackupsTable>, 'document'>): BackupSummary => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  checksum: row.checksum,
  size: Number(row.size),
});

export class SqlBackupStore implements BackupStore {
  private readonly snapshot: SqlStateSnapshot;

  constructor(private readonly db: SqlExecutor) {
    this.snapshot = new SqlStateSnapshot(db);
  }

  async insert(record: BackupRecord): Promise<void> {
    await this.db
      .insertInto('backups')
      .values({
        id: record.id,
        name: record.name,
        scope: record.scope,
        created_at: record.createdAt,
        created_by: record.createdBy,
        checksum: record.checksum,
        size: record.size,
        document: record.document,
      })
      .execute();
  }

  async get(id: string): Promise<BackupRecord | undefined> {
    const row = await this.db.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { ...toSummary(row), document: row.document };
  }

  async list(
    filter: { readonly scope?: string },
    page: { afterId?: string; limit: number },
  ): Promise<BackupPage> {
    let query = this.db.selectFrom('backups').select(SUMMARY_COLUMNS);
    if (filter.scope !== undefined) query = query.where('scope', '=', filter.scope);
    if (page.afterId !== undefined) query = query.where('id', '<', page.afterId);
    const rows = await query.orderBy('id', 'desc').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toSummary), nextAfterId };
  }

  allLayers() {
    return this.snapshot.allLayers();
  }

  layerRevisions(all: boolean) {
    return this.snapshot.layerRevisions(all);
  }

  allGroups() {
    return this.snapshot.allGroups();
  }

  allStaticMembers() {
    return this.snapshot.allStaticMembers();
  }

  allPolicies() {
    return this.snapshot.allPolicies();
  }

  allAssignments() {
    return this.snapshot.allAssignments();
  }

  stateCounts() {
    return this.snapshot.stateCounts();
  }

  insertPolicies(policies: readonly PolicyWithVersions[]): Promise<void> {
    return this.snapshot.insertPolicies(policies);
  }

  insertConfiguration(layers: readonly StoredLayer[], revisions: readonly ConfigRevision[]): Promise<void> {
    return this.snapshot.insertConfiguration(layers, revisions);
  }
}
