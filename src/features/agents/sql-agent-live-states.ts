// The agent store's two hot writes: flushing batched live states (every second,
// up to tens of thousands of rows, so a few multi-row UPDATE ... FROM statements
// rather than one per agent) and moving silent agents on. Both are guarded so a
// late or repeated write never moves an agent backwards.
import { sql, type RawBuilder } from 'kysely';
import {
  chunks,
  inTransaction,
  MAX_BOUND_PARAMETERS,
  toJson,
  type SqlExecutor,
} from '../../infra/store/sql/sql-helpers.js';
import { CONNECTIVITY_PREDECESSORS, Connectivity } from '../health/health-model.js';
import type { AgentLiveState, StaleAgent } from './agent-store.js';

const LIVE_COLUMNS = 8;
const ROWS_PER_STATEMENT = Math.floor(MAX_BOUND_PARAMETERS / LIVE_COLUMNS);

/**
 * Stored status may move to the new status only from a legal predecessor. A
 * live state never decommissions (only AgentStore.decommission does, because it
 * also drops the credential), and a decommissioned agent is never touched.
 */
const statusGuard: RawBuilder<unknown> = sql`agents.status <> ${sql.lit(Connectivity.Decommissioned)} and (${sql.join(
  Object.entries(CONNECTIVITY_PREDECESSORS)
    .filter(([to]) => to !== Connectivity.Decommissioned)
    .map(
      ([to, from]) =>
        sql`(v.status = ${sql.lit(to)} and agents.status in (${sql.join(from.map((status) => sql.lit(status)))}))`,
    ),
  sql` or `,
)})`;

/**
 * One state per agent: the most recently seen wins (the later one on a tie), as
 * UPDATE ... FROM with two source rows for one target row picks either.
 */
function newestPerAgent(states: readonly AgentLiveState[]): AgentLiveState[] {
  const newest = new Map<string, AgentLiveState>();
  for (const state of states) {
    const held = newest.get(state.id);
    if (!held || (state.lastSeenAt ?? -Infinity) >= (held.lastSeenAt ?? -Infinity))
      newest.set(state.id, state);
  }
  return [...newest.values()];
}

function updateStatement(states: readonly AgentLiveState[]) {
  const values = states.map(
    (s) =>
      sql`(${s.id}, ${s.status}, ${s.statusChangedAt}, ${s.health}, ${toJson(s.healthReasons)}, ${s.healthChangedAt}, ${s.lastSeenAt}, ${s.lastHeartbeat === null ? null : toJson(s.lastHeartbeat)})`,
  );
  // Casts: PostgreSQL types untyped VALUES parameters as text.
  return sql<{ id: string }>`
    with v (id, status, status_changed_at, health, health_reasons, health_changed_at, last_seen_at, last_heartbeat)
      as (values ${sql.join(values)})
    update agents set
      status = v.status,
      status_changed_at = cast(v.status_changed_at as bigint),
      health = v.health,
      health_reasons = v.health_reasons,
      health_changed_at = cast(v.health_changed_at as bigint),
      last_seen_at = cast(v.last_seen_at as bigint),
      last_heartbeat = v.last_heartbeat
    from v
    where agents.id = v.id
      and (agents.last_seen_at is null or agents.last_seen_at <= cast(v.last_seen_at as bigint))
      and (${statusGuard})
    returning agents.id as id`;
}

/** Writes what the guard allows; returns the ids it refused (unknown ids included). */
export async function writeLiveStates(db: SqlExecutor, states: readonly AgentLiveState[]): Promise<string[]> {
  const candidates = newestPerAgent(states);
  if (candidates.length === 0) return [];
  const written = new Set<string>();
  const writable = candidates.filter((s) => s.status !== Connectivity.Decommissioned);
  await inTransaction(db, async (trx) => {
    for (const part of chunks(writable, ROWS_PER_STATEMENT)) {
      const result = await updateStatement(part).execute(trx);
      for (const row of result.rows) written.add(row.id);
    }
  });
  return candidates.filter((s) => !written.has(s.id)).map((s) => s.id);
}

/** Inactive first, so an agent silent long enough goes straight there rather than via offline. */
const STALE_TRANSITIONS = [
  { from: Connectivity.Online, to: Connectivity.Inactive, cutoff: 'inactiveBefore' },
  { from: Connectivity.Offline, to: Connectivity.Inactive, cutoff: 'inactiveBefore' },
  { from: Connectivity.Online, to: Connectivity.Offline, cutoff: 'offlineBefore' },
] as const;

export async function markStaleAgents(
  db: SqlExecutor,
  cutoffs: { offlineBefore: number; inactiveBefore: number; at: number },
): Promise<StaleAgent[]> {
  return inTransaction(db, async (trx) => {
    const moved: StaleAgent[] = [];
    for (const { from, to, cutoff } of STALE_TRANSITIONS) {
      const before = cutoffs[cutoff];
      const rows = await trx
        .updateTable('agents')
        .set({ status: to, status_changed_at: cutoffs.at })
        .where('status', '=', from)
        // Never seen: silent since enrolment.
        .where((eb) =>
          eb.or([
            eb('last_seen_at', '<', before),
            eb.and([eb('last_seen_at', 'is', null), eb('enrolled_at', '<', before)]),
          ]),
        )
        .returning(['id', 'last_seen_at'])
        .execute();
      for (const row of rows) moved.push({ id: row.id, from, to, lastSeenAt: row.last_seen_at });
    }
    return moved;
  });
}
