// Group membership as SQL reads. Membership is a condition on the agents
// table: a stored row for static groups, one EXISTS per selector pair for
// dynamic ones (index lookups on agent_labels), so a page, a count or a
// fan-out is one query. "Which groups is each of these agents in" is one
// statement: the static groups that store the agent, united with the dynamic
// groups that have no selector pair the agent's labels lack (a double NOT
// EXISTS over primary keys, so its cost grows with the selector pairs, not
// with the fleet). Only enrolled agents belong to groups.
import type { ExpressionBuilder } from 'kysely';
import type { DB } from '../../infra/store/sql/db-schema.js';
import {
  chunks,
  fetchLimit,
  keysetPage,
  MAX_BOUND_PARAMETERS,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { AGENT_COLUMNS, toAgent } from '../agents/agent-rows.js';
import { Connectivity } from '../health/health-model.js';
import { GroupKind, type Group } from './group.js';
import { toGroup } from './group-rows.js';
import type { GroupMemberPage, MemberCounts, MemberIdPage } from './group-store.js';

type Page = { readonly afterId?: string; readonly limit: number };

/** The condition "this agents row is an enrolled member of `group`". */
function inGroup(group: Group) {
  return (eb: ExpressionBuilder<DB, 'agents'>) => {
    const enrolled = eb('agents.status', '!=', Connectivity.Decommissioned);
    if (group.kind === GroupKind.Static)
      return eb.and([
        enrolled,
        eb.exists(
          eb
            .selectFrom('group_members as m')
            .select('m.agent_id')
            .whereRef('m.agent_id', '=', 'agents.id')
            .where('m.group_id', '=', group.id),
        ),
      ]);
    return eb.and([
      enrolled,
      ...Object.entries(group.selector ?? {}).map(([key, value]) =>
        eb.exists(
          eb
            .selectFrom('agent_labels as l')
            .select('l.agent_id')
            .whereRef('l.agent_id', '=', 'agents.id')
            .where('l.key', '=', key)
            .where('l.value', '=', value),
        ),
      ),
    ]);
  };
}

export async function readMembers(db: SqlExecutor, group: Group, page: Page): Promise<GroupMemberPage> {
  let query = db.selectFrom('agents').select(AGENT_COLUMNS).where(inGroup(group));
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
  const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
  const { items, nextAfterId } = keysetPage(rows, page.limit);
  // Who added each static member: one query for the page.
  const added = new Map<string, { added_at: number; added_by: string }>();
  if (group.kind === GroupKind.Static && items.length > 0) {
    const memberRows = await db
      .selectFrom('group_members')
      .select(['agent_id', 'added_at', 'added_by'])
      .where('group_id', '=', group.id)
      .where(
        'agent_id',
        'in',
        items.map((row) => row.id),
      )
      .execute();
    for (const row of memberRows) added.set(row.agent_id, row);
  }
  return {
    items: items.map((row) => {
      const by = added.get(row.id);
      return { agent: toAgent(row), addedAt: by ? Number(by.added_at) : null, addedBy: by?.added_by ?? null };
    }),
    nextAfterId,
  };
}

export async function readMemberIds(db: SqlExecutor, group: Group, page: Page): Promise<MemberIdPage> {
  let query = db.selectFrom('agents').select('id').where(inGroup(group));
  if (page.afterId !== undefined) query = query.where('id', '>', page.afterId);
  const rows = await query.orderBy('id').limit(fetchLimit(page.limit)).execute();
  const { items, nextAfterId } = keysetPage(rows, page.limit);
  return { ids: items.map((row) => row.id), nextAfterId };
}

/** One grouped query, so the numbers agree with each other. */
export async function countMembers(db: SqlExecutor, group: Group): Promise<MemberCounts> {
  const rows = await db
    .selectFrom('agents')
    .select(['status', 'health', (eb) => eb.fn.countAll().as('n')])
    .where(inGroup(group))
    .groupBy(['status', 'health'])
    .execute();
  const byStatus: Record<string, number> = {};
  const byHealth: Record<string, number> = {};
  let total = 0;
  for (const row of rows) {
    const n = Number(row.n);
    total += n;
    byStatus[row.status] = (byStatus[row.status] ?? 0) + n;
    byHealth[row.health] = (byHealth[row.health] ?? 0) + n;
  }
  return { total, byStatus, byHealth };
}

export async function groupsOfAgents(
  db: SqlExecutor,
  agentIds: readonly string[],
): Promise<Map<string, Group[]>> {
  const groups = new Map<string, Group[]>();
  // Each statement binds its id list twice (static and dynamic halves).
  for (const part of chunks([...new Set(agentIds)], Math.floor(MAX_BOUND_PARAMETERS / 2) - 8)) {
    if (part.length === 0) continue;
    for (const row of await groupsOfAgentsQuery(db, part).execute()) {
      const { agent_id: agentId, ...group } = row;
      const list = groups.get(agentId);
      if (list) list.push(toGroup(group));
      else groups.set(agentId, [toGroup(group)]);
    }
  }
  return groups;
}

function groupsOfAgentsQuery(db: SqlExecutor, agentIds: readonly string[]) {
  const stored = db
    .selectFrom('group_members as m')
    .innerJoin('groups as g', 'g.id', 'm.group_id')
    .innerJoin('agents as a', 'a.id', 'm.agent_id')
    .selectAll('g')
    .select('m.agent_id as agent_id')
    .where('m.agent_id', 'in', agentIds)
    .where('a.status', '!=', Connectivity.Decommissioned);
  const matching = db
    .selectFrom(['agents as a', 'groups as g'])
    .selectAll('g')
    .select('a.id as agent_id')
    .where('a.id', 'in', agentIds)
    .where('a.status', '!=', Connectivity.Decommissioned)
    .where('g.kind', '=', GroupKind.Dynamic)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('group_selector_labels as s')
            .select('s.group_id')
            .whereRef('s.group_id', '=', 'g.id')
            .where(({ not: notInner, exists: existsInner, selectFrom: selectInner }) =>
              notInner(
                existsInner(
                  selectInner('agent_labels as l')
                    .select('l.agent_id')
                    .whereRef('l.agent_id', '=', 'a.id')
                    .whereRef('l.key', '=', 's.key')
                    .whereRef('l.value', '=', 's.value'),
                ),
              ),
            ),
        ),
      ),
    );
  return stored.unionAll(matching);
}
