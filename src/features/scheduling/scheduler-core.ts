// Pure placement: pick up to `count` agents for one command. Eligibility is
// decided here, before the strategy runs, and the strategy's answer is checked
// against it, so these hold whatever the strategy does: never more than
// `count` agents, never one twice, never an ineligible one.

import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import type { AgentCandidate } from './agent-candidate.js';
import { DEFAULT_LIMITS, isEligible, type SchedulingLimits } from './eligibility.js';
import { parseCidr, parseIpv4 } from './network.js';
import { COMMAND_PRIORITY_VALUES } from '../commands/command-priority.js';
import type { BalancingStrategy, PlacementRequest } from './strategy.js';

export interface Placement<S> {
  /** The chosen agents, as they are after the assignment (inFlight + 1). */
  readonly assigned: readonly AgentCandidate[];
  /** How many agents the request is short of: count - assigned.length. */
  readonly shortBy: number;
  /** All candidates (first entry per id), with the assigned ones' inFlight incremented. */
  readonly candidates: readonly AgentCandidate[];
  /** The strategy's state to pass to the next placement. */
  readonly state: S;
}

/** Rejects requests no strategy could honour; everything is reported at once. */
export function validatePlacementRequest(request: PlacementRequest): void {
  const violations: FieldViolation[] = [];
  if (!Number.isSafeInteger(request.count) || request.count < 0)
    violations.push({ field: 'count', description: 'must be a whole number >= 0' });
  if (!COMMAND_PRIORITY_VALUES.includes(request.priority))
    violations.push({
      field: 'priority',
      description: `must be one of: ${COMMAND_PRIORITY_VALUES.join(', ')}`,
    });
  const hint = request.locality;
  if (hint?.kind === 'ip' && parseIpv4(hint.ip) === undefined)
    violations.push({ field: 'locality.ip', description: 'must be an IPv4 address a.b.c.d' });
  if (hint?.kind === 'cidr' && parseCidr(hint.cidr) === undefined)
    violations.push({ field: 'locality.cidr', description: 'must be an IPv4 block a.b.c.d/n' });
  if (hint?.kind === 'label' && hint.key === '')
    violations.push({ field: 'locality.key', description: 'must not be empty' });
  if (violations.length > 0) throw invalidArgument('invalid placement request', violations);
}

/**
 * Places one command. Does not mutate its arguments: the updated candidates and
 * the strategy's next state come back in the result. A candidate id that appears
 * twice is taken at its first appearance.
 */
export function place<S>(
  request: PlacementRequest,
  candidates: readonly AgentCandidate[],
  strategy: BalancingStrategy<S>,
  limits: SchedulingLimits = DEFAULT_LIMITS,
  state: S = strategy.initialState,
): Placement<S> {
  validatePlacementRequest(request);
  const unique = new Map<string, AgentCandidate>();
  for (const candidate of candidates) if (!unique.has(candidate.id)) unique.set(candidate.id, candidate);
  const eligible = new Map<string, AgentCandidate>();
  for (const candidate of unique.values())
    if (isEligible(candidate, request, limits)) eligible.set(candidate.id, candidate);

  const choice =
    request.count === 0 ? { ranked: [], state } : strategy.choose(request, [...eligible.values()], state);

  const assigned = new Map<string, AgentCandidate>();
  for (const proposed of choice.ranked) {
    if (assigned.size >= request.count) break;
    // Our own copy, not the strategy's object: a strategy cannot alter what it was given.
    const agent = eligible.get(proposed.id);
    if (agent === undefined || assigned.has(agent.id)) continue;
    assigned.set(agent.id, { ...agent, inFlight: agent.inFlight + 1 });
  }
  return {
    assigned: [...assigned.values()],
    shortBy: request.count - assigned.size,
    candidates: [...unique.values()].map((candidate) => assigned.get(candidate.id) ?? candidate),
    state: choice.state,
  };
}
