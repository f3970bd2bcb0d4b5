// The Database (unit of work) over any Kysely dialect: store properties run on
// the root instance, `transaction(work)` hands `work` the same stores bound to
// one transaction. Migrations run here too, so every dialect shares them.
import { Migrator, sql, type Kysely } from 'kysely';
import { SqlAgentStore } from '../../../features/agents/sql-agent-store.js';
import { SqlApiKeyStore } from '../../../features/api-keys/sql-api-key-store.js';
import { SqlAuditStore } from '../../../features/audit/sql-audit-store.js';
import { SqlBackupStore } from '../../../features/backups/sql-backup-store.js';
import { SqlCommandStore } from '../../../features/commands/sql-command-store.js';
import { SqlCommandTypeStore } from '../../../features/commands/sql-command-type-store.js';
import { SqlConfigurationStore } from '../../../features/configuration/sql-configuration-store.js';
import { SqlEnrollmentSecretStore } from '../../../features/enrollment/sql-enrollment-secret-store.js';
import { SqlEventStore } from '../../../features/events/sql-event-store.js';
import { SqlFleetSettingsStore } from '../../../features/fleet/sql-fleet-settings-store.js';
import { SqlGroupStore } from '../../../features/groups/sql-group-store.js';
import { SqlPolicyStore } from '../../../features/policies/sql-policy-store.js';
import { SqlSessionStore } from '../../../features/sessions/sql-session-store.js';
import { CorralError, ErrorCode } from '../../../shared/errors.js';
import type { EventEnvelope } from '../../../features/events/event.js';
import type { Database, Stores } from '../stores.js';
import type { DB } from './db-schema.js';
import type { ColumnTypes } from './migrations/column-types.js';
import { migrationProvider } from './migrations/index.js';
import type { SqlExecutor } from './sql-helpers.js';

/** The stores over one executor; `appended` hears of every event appended through them. */
export function storesOver(
  db: SqlExecutor,
  appended: (events: readonly EventEnvelope[]) => void = () => undefined,
): Stores {
  return {
    agents: new SqlAgentStore(db),
    sessions: new SqlSessionStore(db),
    enrollmentSecrets: new SqlEnrollmentSecretStore(db),
    events: new SqlEventStore(db, appended),
    audit: new SqlAuditStore(db),
    apiKeys: new SqlApiKeyStore(db),
    commands: new SqlCommandStore(db),
    commandTypes: new SqlCommandTypeStore(db),
    policies: new SqlPolicyStore(db),
    groups: new SqlGroupStore(db),
    configuration: new SqlConfigurationStore(db),
    backups: new SqlBackupStore(db),
    fleetSettings: new SqlFleetSettingsStore(db),
  };
}

export class SqlDatabase implements Database {
  readonly agents: Stores['agents'];
  readonly sessions: Stores['sessions'];
  readonly enrollmentSecrets: Stores['enrollmentSecrets'];
  readonly events: Stores['events'];
  readonly audit: Stores['audit'];
  readonly apiKeys: Stores['apiKeys'];
  readonly commands: Stores['commands'];
  readonly commandTypes: Stores['commandTypes'];
  readonly policies: Stores['policies'];
  readonly groups: Stores['groups'];
  readonly configuration: Stores['configuration'];
  readonly backups: Stores['backups'];
  readonly fleetSettings: Stores['fleetSettings'];
  private closing: Promise<void> | undefined;
  private readonly committedListeners = new Set<(events: readonly EventEnvelope[]) => void>();

  constructor(private readonly db: Kysely<DB>) {
    // Outside a transaction an append commits by itself.
    const stores = storesOver(db, (events) => this.committed(events));
    this.agents = stores.agents;
    this.sessions = stores.sessions;
    this.enrollmentSecrets = stores.enrollmentSecrets;
    this.events = stores.events;
    this.audit = stores.audit;
    this.apiKeys = stores.apiKeys;
    this.commands = stores.commands;
    this.commandTypes = stores.commandTypes;
    this.policies = stores.policies;
    this.groups = stores.groups;
    this.configuration = stores.configuration;
    this.backups = stores.backups;
    this.fleetSettings = stores.fleetSettings;
  }

  /**
   * Inside `work`, use only the stores it is given. On SQLite there is one
   * connection, so a call on this Database's own stores would wait for the
   * transaction; on PostgreSQL it would run on another pooled connection,
   * outside the transaction, and could wait on the transaction's row locks.
   */
  async transaction<T>(work: (stores: Stores) => Promise<T>): Promise<T> {
    const appended: EventEnvelope[] = [];
    const result = await this.db
      .transaction()
      .execute((trx) => work(storesOver(trx, (events) => appended.push(...events))));
    if (appended.length > 0) this.committed(appended);
    return result;
  }

  onEventsCommitted(listener: (events: readonly EventEnvelope[]) => void): () => void {
    this.committedListeners.add(listener);
    return () => this.committedListeners.delete(listener);
  }

  private committed(events: readonly EventEnvelope[]): void {
    for (const listener of this.committedListeners) listener(events);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  close(): Promise<void> {
    this.closing ??= this.db.destroy();
    return this.closing;
  }
}

export interface MigrationTarget {
  /** The dialect's column types. */
  readonly types: ColumnTypes;
  /**
   * PostgreSQL: the schema holding the store, and Kysely's migration tables with it (left unset, the
   * Migrator would look for them in every schema of the database and could find another store's).
   */
  readonly schema?: string;
}

/** Brings the schema up to date; throws naming the migration that failed. */
export async function migrateToLatest(db: Kysely<DB>, target: MigrationTarget): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider: migrationProvider(target.types),
    ...(target.schema !== undefined && { migrationTableSchema: target.schema }),
  }).migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error')?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  throw new CorralError(
    ErrorCode.Internal,
    failed ? `database migration "${failed}" failed: ${reason}` : `database migrations failed: ${reason}`,
    { cause: error },
  );
}
