// ConfigurationStore over SQL (any Kysely dialect): config_layers (current
// layer per scope), config_revisions (history) and agent_desired_state (one row
// per agent, upserted in batches).
import { sql, type Selectable } from 'kysely';
import type { AgentDesiredStateTable } from '../../infra/store/sql/db-schema.js';
import {
  batches,
  checkedLimit,
  fetchLimit,
  inTransaction,
  keysetPage,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { Connectivity } from '../health/health-model.js';
import type { ConfigRevision, ConfigScope, ConfigurationStore, StoredLayer } from './configuration-store.js';
import { layerOf, layerRow, revisionRow, scopeId, toLayer, toRevision } from './configuration-rows.js';
import { COMPLIANCE_VALUES, type ApplyStatus, type Compliance, type DesiredState } from './desired-state.js';

const ROWS_PER_STATEMENT = 256;
const IDS_PER_QUERY = 512;

/**
 * When a pending agent started waiting: the sent time of the part it has not
 * applied, the earlier of the two when it has applied neither. Written exactly
 * as in the partial index of migration 0010.
 */
const WAITING_SINCE = sql`(case when config_applied_hash = config_desired_hash then policy_sent_at when policy_applied_hash = policy_desired_hash then config_sent_at when config_sent_at <= policy_sent_at then config_sent_at else policy_sent_at end)`;

const toState = (row: Selectable<AgentDesiredStateTable>): DesiredState => ({
  agentId: row.agent_id,
  config: {
    desiredHash: row.config_desired_hash,
    sentAt: row.config_sent_at,
    appliedHash: row.config_applied_hash,
    status: row.config_status as ApplyStatus,
    error: row.config_error,
    reportedAt: row.config_reported_at,
  },
  policy: {
    desiredHash: row.policy_desired_hash,
    sentAt: row.policy_sent_at,
    appliedHash: row.policy_applied_hash,
    status: row.policy_status as ApplyStatus,
    error: row.policy_error,
    reportedAt: row.policy_reported_at,
  },
  compliance: row.compliance as Compliance,
  complianceReason: row.compliance_reason,
  complianceChangedAt: row.compliance_changed_at,
});

const stateRow = (s: DesiredState): Selectable<AgentDesiredStateTable> => ({
  agent_id: s.agentId,
  config_desired_hash: s.config.desiredHash,
  config_sent_at: s.config.sentAt,
  config_applied_hash: s.config.appliedHash,
  config_status: s.config.status,
  config_error: s.config.error,
  config_reported_at: s.config.reportedAt,
  policy_desired_hash: s.policy.desiredHash,
  policy_sent_at: s.policy.sentAt,
  policy_applied_hash: s.policy.appliedHash,
  policy_status: s.policy.status,
  policy_error: s.policy.error,
  policy_reported_at: s.policy.reportedAt,
  compliance: s.compliance,
  compliance_reason: s.complianceReason,
  compliance_changed_at: s.complianceChangedAt,
});

export class SqlConfigurationStore implements ConfigurationStore {
  constructor(private readonly db: SqlExecutor) {}

  async getLayer(scope: ConfigScope): Promise<StoredLayer | undefined> {
    const row = await this.db
      .selectFrom('config_layers')
      .selectAll()
      .where('scope_kind', '=', scope.kind)
      .where('scope_id', '=', scopeId(scope))
      .executeTakeFirst();
    return row && toLayer(row);
  }

  async layers(scopes: readonly ConfigScope[]): Promise<StoredLayer[]> {
    const out: StoredLayer[] = [];
    for (const kind of ['fleet', 'group', 'agent'] as const) {
      const ids = [...new Set(scopes.filter((s) => s.kind === kind).map(scopeId))];
      for (const part of batches(ids, IDS_PER_QUERY)) {
        const rows = await this.db
          .selectFrom('config_layers')
          .selectAll()
          .where('scope_kind', '=', kind)
          .where('scope_id', 'in', part)
          .execute();
        out.push(...rows.map(toLayer));
      }
    }
    return out;
  }

  putLayers(revisions: readonly ConfigRevision[]): Promise<{ conflicts: ConfigScope[] }> {
    return inTransaction(this.db, async (trx) => {
      const current = new Map(
        (await new SqlConfigurationStore(trx).layers(revisions.map((r) => r.scope))).map((l) => [
          `${l.scope.kind}:${scopeId(l.scope)}`,
          l.revision,
        ]),
      );
      const conflicts = revisions
        .filter((r) => (current.get(`${r.scope.kind}:${scopeId(r.scope)}`) ?? 0) + 1 !== r.revision)
        .map((r) => r.scope);
      if (conflicts.length > 0) return { conflicts };
      // Another instance may store the same revision number between the read above and here: its
      // row wins the (scope, revision) key, and this write undoes its own revisions and reports it.
      const stored = new Set<string>();
      for (const part of batches(revisions, ROWS_PER_STATEMENT)) {
        const rows = await trx
          .insertInto('config_revisions')
          .values(part.map(revisionRow))
          .onConflict((oc) => oc.columns(['scope_kind', 'scope_id', 'revision']).doNothing())
          .returning('id')
          .execute();
        for (const row of rows) stored.add(row.id);
      }
      const raced = revisions.filter((r) => !stored.has(r.id));
      if (raced.length > 0) {
        for (const part of batches([...stored], IDS_PER_QUERY))
          await trx.deleteFrom('config_revisions').where('id', 'in', part).execute();
        return { conflicts: raced.map((r) => r.scope) };
      }
      for (const part of batches(revisions, ROWS_PER_STATEMENT)) {
        await trx
          .insertInto('config_layers')
          .values(part.map((r) => layerRow(layerOf(r))))
          .onConflict((oc) =>
            oc.columns(['scope_kind', 'scope_id']).doUpdateSet((eb) => ({
              document: eb.ref('excluded.document'),
              revision: eb.ref('excluded.revision'),
              revision_id: eb.ref('excluded.revision_id'),
              updated_at: eb.ref('excluded.updated_at'),
              updated_by: eb.ref('excluded.updated_by'),
            })),
          )
          .execute();
      }
      return { conflicts: [] };
    });
  }

  async revisions(
    scope: ConfigScope,
    page: { afterId?: string; limit: number },
  ): Promise<{ items: ConfigRevision[]; nextAfterId: string | undefined }> {
    let query = this.db
      .selectFrom('config_revisions')
      .selectAll()
      .where('scope_kind', '=', scope.kind)
      .where('scope_id', '=', scopeId(scope));
    if (page.afterId !== undefined) query = query.where('id', '<', page.afterId);
    const rows = await query.orderBy('id', 'desc').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toRevision), nextAfterId };
  }

  async getRevision(id: string): Promise<ConfigRevision | undefined> {
    const row = await this.db
      .selectFrom('config_revisions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRevision(row);
  }

  async desiredStates(agentIds: readonly string[]): Promise<Map<string, DesiredState>> {
    const states = new Map<string, DesiredState>();
    for (const part of batches([...new Set(agentIds)], IDS_PER_QUERY)) {
      const rows = await this.db
        .selectFrom('agent_desired_state')
        .selectAll()
        .where('agent_id', 'in', part)
        .execute();
      for (const row of rows) states.set(row.agent_id, toState(row));
    }
    return states;
  }

  async writeDesiredStates(states: readonly DesiredState[]): Promise<void> {
    if (states.length === 0) return;
    await inTransaction(this.db, async (trx) => {
      for (const part of batches(states, ROWS_PER_STATEMENT)) {
        await trx
          .insertInto('agent_desired_state')
          .values(part.map(stateRow))
          .onConflict((oc) =>
            oc.column('agent_id').doUpdateSet((eb) => ({
              config_desired_hash: eb.ref('excluded.config_desired_hash'),
              config_sent_at: eb.ref('excluded.config_sent_at'),
              config_applied_hash: eb.ref('excluded.config_applied_hash'),
              config_status: eb.ref('excluded.config_status'),
              config_error: eb.ref('excluded.config_error'),
              config_reported_at: eb.ref('excluded.config_reported_at'),
              policy_desired_hash: eb.ref('excluded.policy_desired_hash'),
              policy_sent_at: eb.ref('excluded.policy_sent_at'),
              policy_applied_hash: eb.ref('excluded.policy_applied_hash'),
              policy_status: eb.ref('excluded.policy_status'),
              policy_error: eb.ref('excluded.policy_error'),
              policy_reported_at: eb.ref('excluded.policy_reported_at'),
              compliance: eb.ref('excluded.compliance'),
              compliance_reason: eb.ref('excluded.compliance_reason'),
              compliance_changed_at: eb.ref('excluded.compliance_changed_at'),
            })),
          )
          .execute();
      }
    });
  }

  async pendingStates(limit: number): Promise<DesiredState[]> {
    const rows = await this.db
      .selectFrom('agent_desired_state')
      .selectAll()
      // The literal and the order match the partial index (migration 0010), so it is read in index order.
      .where(sql<boolean>`compliance = 'pending'`)
      .orderBy(WAITING_SINCE)
      .orderBy('agent_id')
      .limit(checkedLimit(limit))
      .execute();
    return rows.map(toState);
  }

  async deleteDesiredStates(agentIds: readonly string[]): Promise<void> {
    for (const part of batches([...new Set(agentIds)], IDS_PER_QUERY))
      await this.db.deleteFrom('agent_desired_state').where('agent_id', 'in', part).execute();
  }

  async complianceCounts(agentIds?: readonly string[]): Promise<Readonly<Record<string, number>>> {
    const counts: Record<string, number> = Object.fromEntries(COMPLIANCE_VALUES.map((c) => [c, 0]));
    const count = async (ids?: readonly string[]) => {
      // Unregistered agents keep their row but are no longer part of the fleet.
      let query = this.db
        .selectFrom('agent_desired_state as d')
        .innerJoin('agents as a', 'a.id', 'd.agent_id')
        .where('a.status', '!=', Connectivity.Decommissioned)
        .select(['d.compliance', (eb) => eb.fn.countAll().as('n')])
        .groupBy('d.compliance');
      if (ids) query = query.where('d.agent_id', 'in', ids);
      for (const row of await query.execute())
        counts[row.compliance] = (counts[row.compliance] ?? 0) + Number(row.n);
    };
    if (agentIds === undefined) await count();
    else for (const part of batches([...new Set(agentIds)], IDS_PER_QUERY)) await count(part);
    return counts;
  }
}
