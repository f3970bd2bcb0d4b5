// The whole-state half of SqlBackupStore: reads every row of the tables that
// make up the fleet's setup (configuration layers and revisions, groups and
// their stored members, policies with versions, assignments) and writes them
// back as they were, for fleet backups, exports and imports. Row mapping is
// borrowed from the owning features where they export it; the writes are
// multi-row inserts chunked under the bound-parameter limit.
import {
  chunks,
  fromJson,
  inTransaction,
  MAX_BOUND_PARAMETERS,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import type { ConfigRevision, StoredLayer } from '../configuration/configuration-store.js';
import { layerRow, revisionRow, toLayer, toRevision } from '../configuration/configuration-rows.js';
import type { Group } from '../groups/group.js';
import { toGroup } from '../groups/group-rows.js';
import type { AssignmentTargetKind, PolicyAssignment, PolicyVersion } from '../policies/policy.js';
import type { RulesDocument } from '../policies/policy-rules.js';
import { documentColumns, toPolicy, toVersionSummary, versionRow } from '../policies/policy-rows.js';
import type { PolicyWithVersions, StateCounts, StaticMember } from './backup-store.js';

/** Rows per multi-row insert, for a table with `columns` columns. */
const rowsPerInsert = (columns: number) => Math.floor(MAX_BOUND_PARAMETERS / columns);

export class SqlStateSnapshot {
  constructor(private readonly db: SqlExecutor) {}

  async allLayers(): Promise<StoredLayer[]> {
    const rows = await this.db
      .selectFrom('config_layers')
      .selectAll()
      .orderBy('scope_kind')
      .orderBy('scope_id')
      .execute();
    return rows.map(toLayer);
  }

  async layerRevisions(all: boolean): Promise<ConfigRevision[]> {
    let query = this.db.selectFrom('config_revisions').selectAll('config_revisions');
    if (!all)
      query = query.where(({ exists, selectFrom }) =>
        exists(
          selectFrom('config_layers as l')
            .select('l.revision_id')
            .whereRef('l.revision_id', '=', 'config_revisions.id'),
        ),
      );
    return (await query.orderBy('id').execute()).map(toRevision);
  }

  async allGroups(): Promise<Group[]> {
    return (await this.db.selectFrom('groups').selectAll().orderBy('id').execute()).map(toGroup);
  }

  async allStaticMembers(): Promise<StaticMember[]> {
    const rows = await this.db
      .selectFrom('group_members')
      .selectAll()
      .orderBy('group_id')
      .orderBy('agent_id')
      .execute();
    return rows.map((row) => ({
      groupId: row.group_id,
      agentId: row.agent_id,
      addedAt: Number(row.added_at),
      addedBy: row.added_by,
    }));
  }

  async allPolicies(): Promise<PolicyWithVersions[]> {
    const policies = await this.db.selectFrom('policies').selectAll().orderBy('id').execute();
    const versionRows = await this.db
      .selectFrom('policy_versions')
      .selectAll()
      .orderBy('policy_id')
      .orderBy('version')
      .execute();
    const versions = new Map<string, PolicyVersion[]>();
    for (const { document, ...summary } of versionRows) {
      const { defaultAction: _action, ruleCount: _count, ...rest } = toVersionSummary(summary);
      const list = versions.get(rest.policyId) ?? [];
      list.push({ ...rest, document: fromJson<RulesDocument>(document) });
      versions.set(rest.policyId, list);
    }
    return policies.map((row) => ({ ...toPolicy(row), versions: versions.get(row.id) ?? [] }));
  }

  async allAssignments(): Promise<PolicyAssignment[]> {
    const rows = await this.db
      .selectFrom('policy_assignments')
      .selectAll()
      .orderBy('policy_id')
      .orderBy('target_kind')
      .orderBy('target_id')
      .execute();
    return rows.map((row) => ({
      policyId: row.policy_id,
      target: { kind: row.target_kind as AssignmentTargetKind, id: row.target_id },
      assignedAt: Number(row.assigned_at),
      assignedBy: row.assigned_by,
    }));
  }

  async stateCounts(): Promise<StateCounts> {
    const count = async (table: 'groups' | 'policies' | 'config_layers' | 'command_types') => {
      const row = await this.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };
    return {
      groups: await count('groups'),
      policies: await count('policies'),
      layers: await count('config_layers'),
      commandTypes: await count('command_types'),
    };
  }

  insertPolicies(policies: readonly PolicyWithVersions[]): Promise<void> {
    return inTransaction(this.db, async (trx) => {
      for (const part of chunks(policies, rowsPerInsert(13))) {
        if (part.length === 0) continue;
        await trx
          .insertInto('policies')
          .values(
            part.map((p) => ({
              id: p.id,
              name: p.name,
              description: p.description,
              mode: p.mode,
              ...documentColumns(p.document),
              version: p.version,
              created_at: p.createdAt,
              created_by: p.createdBy,
              updated_at: p.updatedAt,
              updated_by: p.updatedBy,
            })),
          )
          .execute();
      }
      const versions = policies.flatMap((p) => p.versions);
      for (const part of chunks(versions, rowsPerInsert(11))) {
        if (part.length === 0) continue;
        await trx
          .insertInto('policy_versions')
          .values(part.map((v) => versionRow(v.policyId, v.version, { ...v, at: v.createdAt, by: v.author })))
          .execute();
      }
    });
  }

  insertConfiguration(layers: readonly StoredLayer[], revisions: readonly ConfigRevision[]): Promise<void> {
    return inTransaction(this.db, async (trx) => {
      for (const part of chunks(revisions, rowsPerInsert(9))) {
        if (part.length === 0) continue;
        await trx.insertInto('config_revisions').values(part.map(revisionRow)).execute();
      }
      for (const part of chunks(layers, rowsPerInsert(7))) {
        if (part.length === 0) continue;
        await trx.insertInto('config_layers').values(part.map(layerRow)).execute();
      }
    });
  }
}
