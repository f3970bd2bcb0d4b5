// Test data for the command store contract. Defaults are a queued single-agent
// scan created at CREATED_AT; each test overrides what it is about.
import type { Database } from '../../infra/store/stores.js';
import type { CommandStatus } from './command-state.js';
import type { Command } from './command.js';

export const CREATED_AT = Date.UTC(2026, 0, 1);
export const DEADLINE_AT = CREATED_AT + 3_600_000;
export const EXPIRES_AT = CREATED_AT + 900_000;

export function commandFixture(id: string, overrides: Partial<Command> = {}): Command {
  const createdAt = overrides.createdAt ?? CREATED_AT;
  const agentId = overrides.agentId === undefined ? 'agent-1' : overrides.agentId;
  return {
    id,
    type: 'scan',
    params: { depth: 2, paths: ['/etc'] },
    priority: 'normal',
    target: { kind: 'agent', agentId: agentId ?? 'agent-1' },
    agentId,
    parentId: null,
    requester: 'api-key:ops-1',
    idempotencyKey: null,
    createdAt,
    deadlineAt: DEADLINE_AT,
    expiresAt: EXPIRES_AT,
    status: 'queued',
    deliveries: 0,
    progress: null,
    result: null,
    error: null,
    history: [{ status: 'queued', at: createdAt }],
    ...overrides,
  };
}

/** A bulk parent: no agent of its own, an `agents` target. */
export function parentFixture(
  id: string,
  agentIds: readonly string[],
  overrides: Partial<Command> = {},
): Command {
  return commandFixture(id, { agentId: null, target: { kind: 'agents', agentIds }, ...overrides });
}

/** The happy path up to each status, then the side roads. */
const PATH_TO: Readonly<Record<CommandStatus, readonly CommandStatus[]>> = {
  queued: [],
  scheduled: ['scheduled'],
  dispatched: ['scheduled', 'dispatched'],
  acknowledged: ['scheduled', 'dispatched', 'acknowledged'],
  running: ['scheduled', 'dispatched', 'acknowledged', 'running'],
  succeeded: ['scheduled', 'dispatched', 'acknowledged', 'running', 'succeeded'],
  failed: ['scheduled', 'dispatched', 'acknowledged', 'running', 'failed'],
  timed_out: ['scheduled', 'dispatched', 'timed_out'],
  cancel_requested: ['scheduled', 'dispatched', 'acknowledged', 'running', 'cancel_requested'],
  cancelled: ['cancel_requested', 'cancelled'],
  expired: ['expired'],
};

/** Moves stored commands to `status` along a legal path (one write per step, all commands per batch). */
export async function moveTo(db: Database, ids: readonly string[], status: CommandStatus): Promise<void> {
  let at = CREATED_AT;
  for (const to of PATH_TO[status]) {
    at += 1_000;
    const applied = await db.commands.applyTransitions(
      ids.map((id) => ({ id, to, at, delivered: to === 'dispatched' })),
    );
    if (applied.length !== ids.length)
      throw new Error(`moveTo ${status}: ${to} not applied to every command`);
  }
}
