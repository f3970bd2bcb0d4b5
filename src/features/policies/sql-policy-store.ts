// PolicyStore over SQL (any Kysely dialect). An update is one guarded
// `UPDATE … WHERE version = ?` followed by the insert of that version, so two
// concurrent edits of the same version cannot both succeed, and the version's
// primary key (policy_id, version) backs that up. Assignment reads and writes
// are in sql-policy-assignments.ts.
import type { Selectable } from 'kysely';
import type { PoliciesTable } from '../../infra/store/sql/db-schema.js';
import {
  chunks,
  containsIgnoringAsciiCase,
  fetchLimit,
  fromJson,
  inTransaction,
  insertOnce,
  keysetPage,
  MAX_BOUND_PARAMETERS,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { alreadyExists } from '../../shared/errors.js';
import type { AssignmentTarget, AssignmentTargetKind, Policy, PolicyAssignment } from './policy.js';
import type { RulesDocument } from './policy-rules.js';
import {
  documentColumns,
  SUMMARY_COLUMNS,
  toPolicy,
  toSummary,
  toVersionSummary,
  versionRow,
} from './policy-rows.js';
import type { PolicyChange, PolicyFilter, PolicyPage, PolicyStore, TargetPolicy } from './policy-store.js';
import { SqlPolicyAssignments } from './sql-policy-assignments.js';

const nameTaken = (name: string) => () =>
  alreadyExists(`a policy named ${JSON.stringify(name)} already exists`);

export class SqlPolicyStore implements PolicyStore {
  private readonly assignments: SqlPolicyAssignments;

  constructor(private readonly db: SqlExecutor) {
    this.assignments = new SqlPolicyAssignments(db);
  }

  async insert(policy: Policy, reason: string): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await insertOnce(
        () =>
          trx
            .insertInto('policies')
            .values({
              id: policy.id,
              name: policy.name,
              description: policy.description,
              mode: policy.mode,
              ...documentColumns(policy.document),
              version: policy.version,
              created_at: policy.createdAt,
              created_by: policy.createdBy,
              updated_at: policy.updatedAt,
              updated_by: policy.updatedBy,
            })
            .execute(),
        nameTaken(policy.name),
      );
      const first = { ...policy, at: policy.createdAt, by: policy.createdBy, reason };
      await trx
        .insertInto('policy_versions')
        .values(versionRow(policy.id, policy.version, first))
        .execute();
    });
  }

  async get(id: string): Promise<Policy | undefined> {
    const row = await this.db.selectFrom('policies').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toPolicy(row);
  }

  async getMany(ids: readonly string[]): Promise<Policy[]> {
    const out: Policy[] = [];
    for (const part of chunks([...new Set(ids)], MAX_BOUND_PARAMETERS)) {
      if (part.length === 0) continue;
      const rows = await this.db.selectFrom('policies').selectAll().where('id', 'in', part).execute();
      out.push(...rows.map(toPolicy));
    }
    return out;
  }

  async list(filter: PolicyFilter, page: { afterId?: string; limit: number }): Promise<PolicyPage> {
    let query = this.db.selectFrom('policies').select(SUMMARY_COLUMNS);
    if (filter.mode !== undefined) query = query.where('mode', '=', filter.mode);
    if (filter.search !== undefined && filter.search !== '') {
      const search = filter.search;
      query = query.where((eb) => containsIgnoringAsciiCase(eb.ref('name'), search));
    }
    if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
    const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
    const { items, nextAfterId } = keysetPage(rows, page.limit);
    return { items: items.map(toSummary), nextAfterId };
  }

  async update(id: string, change: PolicyChange, expectedVersion?: number): Promise<Policy | undefined> {
    return inTransaction(this.db, async (trx) => {
      let update = trx
        .updateTable('policies')
        .set((eb) => ({
          name: change.name,
          description: change.description,
          mode: change.mode,
          ...documentColumns(change.document),
          version: eb('version', '+', 1),
          updated_at: change.at,
          updated_by: change.by,
        }))
        .where('id', '=', id);
      if (expectedVersion !== undefined) update = update.where('version', '=', expectedVersion);
      let row: Selectable<PoliciesTable> | undefined;
      await insertOnce(async () => {
        row = await update.returningAll().executeTakeFirst();
      }, nameTaken(change.name));
      if (!row) return undefined;
      const policy = toPolicy(row);
      await trx
        .insertInto('policy_versions')
        .values(versionRow(id, policy.version, change))
        .execute();
      return policy;
    });
  }

  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('policy_assignments').where('policy_id', '=', id).execute();
      await trx.deleteFrom('policy_versions').where('policy_id', '=', id).execute();
      const result = await trx.deleteFrom('policies').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  async getVersion(policyId: string, version: number) {
    const row = await this.db
      .selectFrom('policy_versions')
      .selectAll()
      .where('policy_id', '=', policyId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) return undefined;
    const { document, ...summary } = row;
    const { defaultAction: _action, ruleCount: _count, ...rest } = toVersionSummary(summary);
    return { ...rest, document: fromJson<RulesDocument>(document) };
  }

  async listVersions(policyId: string, page: { afterVersion?: number; limit: number }) {
    let query = this.db
      .selectFrom('policy_versions')
      .select([
        'policy_id',
        'version',
        'name',
        'description',
        'mode',
        'default_action',
        'rule_count',
        'author',
        'created_at',
        'reason',
      ])
      .where('policy_id', '=', policyId);
    if (page.afterVersion !== undefined) query = query.where('version', '<', page.afterVersion);
    const rows = await query.orderBy('version', 'desc').limit(fetchLimit(page.limit)).execute();
    const items = rows.slice(0, page.limit).map(toVersionSummary);
    const more = rows.length > page.limit;
    return { items, nextAfterVersion: more ? items[items.length - 1]?.version : undefined };
  }

  assign(assignments: readonly PolicyAssignment[]): Promise<PolicyAssignment[]> {
    return this.assignments.assign(assignments);
  }

  unassign(policyId: string, target: AssignmentTarget): Promise<boolean> {
    return this.assignments.unassign(policyId, target);
  }

  assignmentsOf(policyId: string): Promise<PolicyAssignment[]> {
    return this.assignments.assignmentsOf(policyId);
  }

  listAssignments(policyId: string, page: { afterKey?: string; limit: number }) {
    return this.assignments.list(policyId, page);
  }

  policyIdsOf(kind: AssignmentTargetKind, targetIds: readonly string[]): Promise<TargetPolicy[]> {
    return this.assignments.policyIdsOf(kind, targetIds);
  }

  unassignTarget(target: AssignmentTarget): Promise<PolicyAssignment[]> {
    return this.assignments.unassignTarget(target);
  }

  assignmentsTo(target: AssignmentTarget) {
    return this.assignments.assignmentsTo(target);
  }
}
