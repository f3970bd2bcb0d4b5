// Listing agents over SQL: every filter of AgentFilter, and keyset paging in
// any of the sort orders (the sort value, then the id, so the order is total
// and a page boundary is exact whatever changes between pages). A never-seen
// agent sorts by last seen as time 0 (first ascending, last descending).
import { sql, type AliasableExpression, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { DB } from '../../infra/store/sql/db-schema.js';
import {
  containsIgnoringAsciiCase,
  fetchLimit,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { invalidArgument } from '../../shared/errors.js';
import { AGENT_COLUMNS, toAgent } from './agent-rows.js';
import type {
  AgentFilter,
  AgentPage,
  AgentPageRequest,
  AgentSortField,
  AgentSortKey,
} from './agent-store.js';

type Eb = ExpressionBuilder<DB, 'agents'>;

const SORT_EXPRESSIONS: Record<AgentSortField, (eb: Eb) => AliasableExpression<string | number>> = {
  id: (eb) => eb.ref('agents.id'),
  name: (eb) => eb.ref('agents.name'),
  hostname: (eb) => eb.ref('agents.hostname'),
  status: (eb) => eb.ref('agents.status'),
  health: (eb) => eb.ref('agents.health'),
  type: (eb) => eb.ref('agents.type'),
  version: (eb) => eb.ref('agents.version'),
  lastSeenAt: () => sql<number>`coalesce(agents.last_seen_at, 0)`,
  enrolledAt: (eb) => eb.ref('agents.enrolled_at'),
};

export async function listAgents(
  db: SqlExecutor,
  filter: AgentFilter,
  page: AgentPageRequest,
): Promise<AgentPage> {
  const sort = page.sort ?? { field: 'id', order: 'asc' };
  const byKey = sort.field !== 'id';
  if (byKey && page.afterId !== undefined && page.afterKey === undefined)
    throw invalidArgument('a sorted page needs the sort key of the row it continues after');
  const limit = fetchLimit(page.limit);
  const sortValue = SORT_EXPRESSIONS[sort.field];
  const after = sort.order === 'asc' ? '>' : '<';
  let query = db
    .selectFrom('agents')
    .select(AGENT_COLUMNS)
    .select((eb) => sortValue(eb).as('sort_key'))
    .where((eb) => filtered(eb, filter));
  if (page.afterId !== undefined) {
    const afterId = page.afterId;
    const key = page.afterKey as AgentSortKey;
    query = byKey
      ? query.where((eb) =>
          eb.or([
            eb(sortValue(eb), after, key),
            eb.and([eb(sortValue(eb), '=', key), eb('agents.id', after, afterId)]),
          ]),
        )
      : query.where('agents.id', after, afterId);
  }
  if (byKey) query = query.orderBy((eb) => sortValue(eb), sort.order);
  const rows = await query.orderBy('agents.id', sort.order).limit(limit).execute();
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const more = rows.length > page.limit && last !== undefined;
  return {
    items: items.map(toAgent),
    nextAfterId: more ? last.id : undefined,
    ...(more && byKey ? { nextAfterKey: normaliseKey(last.sort_key) } : {}),
  };
}

/** PostgreSQL returns bigint columns as strings; the key must compare as the column does. */
function normaliseKey(value: unknown): AgentSortKey {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  return String(value);
}

function filtered(eb: Eb, filter: AgentFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.status?.length) conditions.push(eb('agents.status', 'in', filter.status));
  if (filter.health?.length) conditions.push(eb('agents.health', 'in', filter.health));
  if (filter.type !== undefined) conditions.push(eb('agents.type', '=', filter.type));
  if (filter.version !== undefined) conditions.push(eb('agents.version', '=', filter.version));
  if (filter.capability !== undefined) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('agent_capabilities as c')
          .select('c.agent_id')
          .whereRef('c.agent_id', '=', 'agents.id')
          .where('c.capability', '=', filter.capability),
      ),
    );
  }
  const labels = {
    ...filter.labels,
    ...(filter.group && 'selector' in filter.group ? filter.group.selector : {}),
  };
  for (const [key, value] of Object.entries(labels)) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('agent_labels as l')
          .select('l.agent_id')
          .whereRef('l.agent_id', '=', 'agents.id')
          .where('l.key', '=', key)
          .where('l.value', '=', value),
      ),
    );
  }
  if (filter.group && 'staticGroupId' in filter.group) {
    conditions.push(
      eb.exists(
        eb
          .selectFrom('group_members as m')
          .select('m.agent_id')
          .whereRef('m.agent_id', '=', 'agents.id')
          .where('m.group_id', '=', filter.group.staticGroupId),
      ),
    );
  }
  if (filter.search !== undefined && filter.search !== '') {
    const search = filter.search;
    conditions.push(
      eb.or(
        (['agents.id', 'agents.name', 'agents.hostname'] as const).map((column) =>
          containsIgnoringAsciiCase(eb.ref(column), search),
        ),
      ),
    );
  }
  return eb.and(conditions);
}
