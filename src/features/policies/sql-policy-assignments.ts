// The assignment half of SqlPolicyStore: multi-row inserts that skip what is
// already stored (ON CONFLICT DO NOTHING … RETURNING, on SQLite and PostgreSQL
// alike), keyset pages by (target_kind, target_id), and the batched reads the
// effective sets are built from (one query per target kind and chunk of ids,
// never one per agent).
import type { Selectable } from 'kysely';
import type { PolicyAssignmentsTable } from '../../infra/store/sql/db-schema.js';
import {
  chunks,
  fetchLimit,
  MAX_BOUND_PARAMETERS,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import type { AssignmentTarget, AssignmentTargetKind, Policy, PolicyAssignment } from './policy.js';
import type { TargetPolicy } from './policy-store.js';
import { toPolicy } from './policy-rows.js';

const ASSIGNMENT_COLUMNS = 5;
const ASSIGNMENT_KEY = ['policy_id', 'target_kind', 'target_id'] as const;

const toAssignment = (
  row: Pick<Selectable<PolicyAssignmentsTable>, keyof PolicyAssignmentsTable>,
): PolicyAssignment => ({
  policyId: row.policy_id,
  target: { kind: row.target_kind as AssignmentTargetKind, id: row.target_id },
  assignedAt: Number(row.assigned_at),
  assignedBy: row.assigned_by,
});

/** `agent:a-1` → ['agent', 'a-1']; the kind never holds a colon, the id may. */
function splitKey(key: string): [string, string] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, ''] : [key.slice(0, colon), key.slice(colon + 1)];
}

export class SqlPolicyAssignments {
  constructor(private readonly db: SqlExecutor) {}

  async assign(assignments: readonly PolicyAssignment[]): Promise<PolicyAssignment[]> {
    const added: PolicyAssignment[] = [];
    for (const part of chunks(assignments, Math.floor(MAX_BOUND_PARAMETERS / ASSIGNMENT_COLUMNS))) {
      if (part.length === 0) continue;
      const rows = await this.db
        .insertInto('policy_assignments')
        .values(
          part.map((a) => ({
            policy_id: a.policyId,
            target_kind: a.target.kind,
            target_id: a.target.id,
            assigned_at: a.assignedAt,
            assigned_by: a.assignedBy,
          })),
        )
        .onConflict((oc) => oc.columns(ASSIGNMENT_KEY).doNothing())
        .returningAll()
        .execute();
      added.push(...rows.map(toAssignment));
    }
    return added;
  }

  async unassign(policyId: string, target: AssignmentTarget): Promise<boolean> {
    const result = await this.db
      .deleteFrom('policy_assignments')
      .where('policy_id', '=', policyId)
      .where('target_kind', '=', target.kind)
      .where('target_id', '=', target.id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async assignmentsOf(policyId: string): Promise<PolicyAssignment[]> {
    const rows = await this.db
      .selectFrom('policy_assignments')
      .selectAll()
      .where('policy_id', '=', policyId)
      .orderBy('target_kind')
      .orderBy('target_id')
      .execute();
    return rows.map(toAssignment);
  }

  async list(
    policyId: string,
    page: { afterKey?: string; limit: number },
  ): Promise<{ items: PolicyAssignment[]; nextAfterKey: string | undefined }> {
    let query = this.db.selectFrom('policy_assignments').selectAll().where('policy_id', '=', policyId);
    if (page.afterKey !== undefined) {
      const [kind, id] = splitKey(page.afterKey);
      query = query.where((eb) =>
        eb.or([
          eb('target_kind', '>', kind),
          eb.and([eb('target_kind', '=', kind), eb('target_id', '>', id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('target_kind')
      .orderBy('target_id')
      .limit(fetchLimit(page.limit))
      .execute();
    const items = rows.slice(0, page.limit).map(toAssignment);
    const last = items[items.length - 1];
    const more = rows.length > page.limit && last !== undefined;
    return { items, nextAfterKey: more ? `${last.target.kind}:${last.target.id}` : undefined };
  }

  async policyIdsOf(kind: AssignmentTargetKind, targetIds: readonly string[]): Promise<TargetPolicy[]> {
    const out: TargetPolicy[] = [];
    for (const ids of chunks([...new Set(targetIds)], MAX_BOUND_PARAMETERS - 1)) {
      if (ids.length === 0) continue;
      const rows = await this.db
        .selectFrom('policy_assignments')
        .select(['target_id', 'policy_id'])
        .where('target_kind', '=', kind)
        .where('target_id', 'in', ids)
        .execute();
      for (const row of rows) out.push({ targetId: row.target_id, policyId: row.policy_id });
    }
    return out;
  }

  async unassignTarget(target: AssignmentTarget): Promise<PolicyAssignment[]> {
    const rows = await this.db
      .deleteFrom('policy_assignments')
      .where('target_kind', '=', target.kind)
      .where('target_id', '=', target.id)
      .returningAll()
      .execute();
    return rows.map(toAssignment).sort((a, b) => (a.policyId < b.policyId ? -1 : 1));
  }

  async assignmentsTo(target: AssignmentTarget): Promise<(PolicyAssignment & { readonly policy: Policy })[]> {
    const rows = await this.db
      .selectFrom('policy_assignments')
      .innerJoin('policies', 'policies.id', 'policy_assignments.policy_id')
      .selectAll('policies')
      .select([
        'policy_assignments.policy_id',
        'policy_assignments.target_kind',
        'policy_assignments.target_id',
        'policy_assignments.assigned_at',
        'policy_assignments.assigned_by',
      ])
      .where('policy_assignments.target_kind', '=', target.kind)
      .where('policy_assignments.target_id', '=', target.id)
      .orderBy('policies.id')
      .execute();
    return rows.map(({ policy_id, target_kind, target_id, assigned_at, assigned_by, ...policy }) => ({
      ...toAssignment({ policy_id, target_kind, target_id, assigned_at, assigned_by }),
      policy: toPolicy(policy),
    }));
  }
}
