// AgentStore over SQL (any Kysely dialect). Facts live on the agents row, with
// labels and capabilities mirrored into side tables so that filters are index
// lookups; the hot live-state and staleness writes are in sql-agent-live-states.ts.
import {
  chunks,
  inTransaction,
  insertOnce,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists, notFound, preconditionFailed } from '../../shared/errors.js';
import { CONNECTIVITY_VALUES, Connectivity, HEALTH_VALUES } from '../health/health-model.js';
import type { Agent, AgentFacts } from './agent.js';
import {
  AGENT_COLUMNS,
  enrolledColumns,
  factsColumns,
  replaceCapabilities,
  replaceLabels,
  toAgent,
} from './agent-rows.js';
import type {
  AgentFilter,
  AgentLiveState,
  AgentPage,
  AgentPageRequest,
  AgentStore,
  FleetCounts,
  NewAgent,
  StaleAgent,
} from './agent-store.js';
import { markStaleAgents, writeLiveStates } from './sql-agent-live-states.js';
import { listAgents } from './sql-agent-list.js';

export class SqlAgentStore implements AgentStore {
  constructor(private readonly db: SqlExecutor) {}

  async insert(agent: NewAgent): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await insertOnce(
        () =>
          trx
            .insertInto('agents')
            .values({ id: agent.id, ...enrolledColumns(agent), revision: 1 })
            .execute(),
        () => alreadyExists(`agent ${JSON.stringify(agent.id)} already exists`),
      );
      await replaceLabels(trx, agent.id, agent.labels);
      await replaceCapabilities(trx, agent.id, agent.capabilities);
    });
  }

  async enrolledAmong(ids: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(ids, MAX_BOUND_PARAMETERS - 1)) {
      if (part.length === 0) continue;
      const rows = await this.db
        .selectFrom('agents')
        .select('id')
        .where('id', 'in', part)
        .where('status', '!=', Connectivity.Decommissioned)
        .execute();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  async get(id: string): Promise<Agent | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .select(AGENT_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toAgent(row);
  }

  async getCredentialHash(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .select('credential_hash')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.credential_hash ?? undefined;
  }

  async getEnrollmentNonceHash(id: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('agents')
      .select('enrollment_nonce_hash')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.enrollment_nonce_hash ?? undefined;
  }

  async replaceCredential(id: string, credentialHash: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('agents')
      .set((eb) => ({ credential_hash: credentialHash, updated_at: at, revision: eb('revision', '+', 1) }))
      .where('id', '=', id)
      .where('status', '<>', Connectivity.Decommissioned)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async updateFacts(id: string, facts: AgentFacts, at: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const result = await trx
        .updateTable('agents')
        .set((eb) => ({ ...factsColumns(facts), updated_at: at, revision: eb('revision', '+', 1) }))
        .where('id', '=', id)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw notFound('agent', id);
      await replaceLabels(trx, id, facts.labels);
      await replaceCapabilities(trx, id, facts.capabilities);
    });
  }

  async reinstate(agent: NewAgent): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const result = await trx
        .updateTable('agents')
        .set((eb) => ({ ...enrolledColumns(agent), revision: eb('revision', '+', 1) }))
        .where('id', '=', agent.id)
        .where('status', '=', Connectivity.Decommissioned)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) {
        const exists = await trx
          .selectFrom('agents')
          .select('id')
          .where('id', '=', agent.id)
          .executeTakeFirst();
        throw exists
          ? preconditionFailed(`agent ${JSON.stringify(agent.id)} is not decommissioned`)
          : notFound('agent', agent.id);
      }
      await replaceLabels(trx, agent.id, agent.labels);
      await replaceCapabilities(trx, agent.id, agent.capabilities);
    });
  }

  async updateMetadata(
    id: string,
    patch: { name?: string; labels?: Record<string, string> },
    at: number,
    expectedRevision?: number,
  ): Promise<Agent | undefined> {
    return inTransaction(this.db, async (trx) => {
      let update = trx
        .updateTable('agents')
        .set((eb) => ({
          ...(patch.name !== undefined && { name: patch.name }),
          ...(patch.labels !== undefined && { labels: toJson(patch.labels) }),
          updated_at: at,
          revision: eb('revision', '+', 1),
        }))
        .where('id', '=', id);
      if (expectedRevision !== undefined) update = update.where('revision', '=', expectedRevision);
      const result = await update.executeTakeFirst();
      if (result.numUpdatedRows === 0n) return undefined;
      if (patch.labels !== undefined) await replaceLabels(trx, id, patch.labels);
      return new SqlAgentStore(trx).get(id);
    });
  }

  async decommission(id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('agents')
      .set((eb) => ({
        status: Connectivity.Decommissioned,
        status_changed_at: at,
        credential_hash: null,
        updated_at: at,
        revision: eb('revision', '+', 1),
      }))
      .where('id', '=', id)
      .where('status', '<>', Connectivity.Decommissioned)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Empty status or health lists do not filter. Search is case-insensitive (ASCII). */
  list(filter: AgentFilter, page: AgentPageRequest): Promise<AgentPage> {
    return listAgents(this.db, filter, page);
  }

  applyLiveStates(states: readonly AgentLiveState[]): Promise<string[]> {
    return writeLiveStates(this.db, states);
  }

  markStale(cutoffs: { offlineBefore: number; inactiveBefore: number; at: number }): Promise<StaleAgent[]> {
    return markStaleAgents(this.db, cutoffs);
  }

  /** One grouped query, so the numbers agree with each other. */
  async counts(): Promise<FleetCounts> {
    const rows = await this.db
      .selectFrom('agents')
      .select(['status', 'health', 'type', 'version', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['status', 'health', 'type', 'version'])
      .execute();
    const byStatus: Record<string, number> = Object.fromEntries(CONNECTIVITY_VALUES.map((s) => [s, 0]));
    const byHealth: Record<string, number> = Object.fromEntries(HEALTH_VALUES.map((h) => [h, 0]));
    const byType: Record<string, number> = {};
    const byVersion: Record<string, number> = {};
    let total = 0;
    for (const row of rows) {
      const n = Number(row.n);
      byStatus[row.status] = (byStatus[row.status] ?? 0) + n;
      if (row.status === Connectivity.Decommissioned) continue;
      total += n;
      byHealth[row.health] = (byHealth[row.health] ?? 0) + n;
      byType[row.type] = (byType[row.type] ?? 0) + n;
      byVersion[row.version] = (byVersion[row.version] ?? 0) + n;
    }
    return { total, byStatus, byHealth, byType, byVersion };
  }
}
