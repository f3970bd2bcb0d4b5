// The targets of an assignment request (BulkAssignPolicy: agent ids and/or group
// ids), checked once for the whole request: the ids' shape, then which agents
// are enrolled and not decommissioned (one query, inside the transaction) and
// which groups exist. Any unknown target refuses the whole request, naming its
// field (`agentIds.3`), so an assignment is never half-applied.
import { z } from 'zod';
import type { Stores } from '../../infra/store/stores.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { agentIdSchema, validate } from '../agents/agent.js';
import type { AssignmentTarget } from './policy.js';

export const MAX_ASSIGN_AGENTS = 10_000;
export const MAX_ASSIGN_GROUPS = 100;

const groupIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of [A-Za-z0-9._:-]');

export const assignmentBodySchema = z
  .strictObject({
    agentIds: z
      .array(agentIdSchema)
      .max(MAX_ASSIGN_AGENTS, `at most ${MAX_ASSIGN_AGENTS} agents per request`)
      .optional()
      .describe('Agents to assign the policy to directly'),
    groupIds: z
      .array(groupIdSchema)
      .max(MAX_ASSIGN_GROUPS, `at most ${MAX_ASSIGN_GROUPS} groups per request`)
      .optional()
      .describe("Groups to assign the policy to: it applies to every member's effective set"),
  })
  .refine((body) => (body.agentIds?.length ?? 0) + (body.groupIds?.length ?? 0) > 0, {
    message: 'name at least one agent (agentIds) or group (groupIds)',
    when: (payload) => payload.issues.length === 0,
  });

export interface AssignmentRequest {
  /** As given (repeats included), so that refusals name the index the caller sent. */
  readonly agentIds: readonly string[];
  readonly groupIds: readonly string[];
}

export function parseAssignmentBody(body: unknown): AssignmentRequest {
  const parsed = validate(assignmentBodySchema, body);
  return { agentIds: parsed.agentIds ?? [], groupIds: parsed.groupIds ?? [] };
}

/** The groups among `groupIds` that do not exist (asked one at a time: requests name at most 100). */
export async function missingGroups(
  groupIds: readonly string[],
  groupExists: (groupId: string) => Promise<boolean>,
): Promise<Set<string>> {
  const unique = [...new Set(groupIds)];
  const known = await Promise.all(unique.map(groupExists));
  return new Set(unique.filter((_, i) => !known[i]));
}

/**
 * Refuses the request when any agent is not enrolled (or decommissioned) or any
 * group is missing; otherwise the targets, each once, in the order first given.
 */
export async function checkTargets(
  stores: Stores,
  request: AssignmentRequest,
  absentGroups: ReadonlySet<string>,
): Promise<AssignmentTarget[]> {
  const enrolled = await stores.agents.enrolledAmong(request.agentIds);
  const violations: FieldViolation[] = [
    ...request.agentIds.flatMap((id, i) =>
      enrolled.has(id)
        ? []
        : [{ field: `agentIds.${i}`, description: `no enrolled agent ${JSON.stringify(id)}` }],
    ),
    ...request.groupIds.flatMap((id, i) =>
      absentGroups.has(id) ? [{ field: `groupIds.${i}`, description: `no group ${JSON.stringify(id)}` }] : [],
    ),
  ];
  if (violations.length > 0) throw invalidArgument('unknown assignment targets', violations);
  return [
    ...[...new Set(request.agentIds)].map((id): AssignmentTarget => ({ kind: 'agent', id })),
    ...[...new Set(request.groupIds)].map((id): AssignmentTarget => ({ kind: 'group', id })),
  ];
}
