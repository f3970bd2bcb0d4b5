// The assignment half of PolicyService: BulkAssignPolicy (validated once, stored
// in one transaction with multi-row inserts, one audit entry, one event per
// target newly assigned, a result per target), unassign, and dropping every
// assignment of a target that is gone.
//
// Group lookups run before the transaction: the injected functions use the
// database outside it, which on SQLite would wait for the open transaction.
// A group deleted in between leaves an assignment that no agent inherits
// (until forgetTarget removes it).
import { notFound } from '../../shared/errors.js';
import type { RequestContext } from '../audit/audited.js';
import { EventType } from '../events/event.js';
import type { AssignmentTarget } from './policy.js';
import { changeOf, type PoliciesChange } from './policy-changes.js';
import type { PolicyServiceDependencies } from './policy-service.js';
import { checkTargets, missingGroups, parseAssignmentBody } from './policy-targets.js';

export interface AssignmentResult {
  readonly target: AssignmentTarget;
  readonly outcome: 'assigned' | 'already_assigned';
}

export interface BulkAssignResult {
  readonly policyId: string;
  /** The policy's version when it was assigned. */
  readonly version: number;
  /** One per distinct target, agents first, in the order given. */
  readonly results: readonly AssignmentResult[];
}

const keyOf = (target: AssignmentTarget) => `${target.kind}:${target.id}`;

export class PolicyAssignments {
  constructor(
    private readonly deps: PolicyServiceDependencies,
    private readonly notify: (change: PoliciesChange) => void,
  ) {}

  async assign(context: RequestContext, policyId: string, body: unknown): Promise<BulkAssignResult> {
    // Parsing and group lookups happen first, but a refusal is thrown inside
    // the audited work below so that it is recorded like every other.
    let prepared: { request: ReturnType<typeof parseAssignmentBody>; absent: Set<string> } | Error;
    try {
      const request = parseAssignmentBody(body);
      prepared = { request, absent: await missingGroups(request.groupIds, this.deps.groups.groupExists) };
    } catch (error) {
      prepared = error as Error;
    }
    const { result, added } = await this.deps.auditor.run(
      context,
      { action: 'policy.assign', targetKind: 'policy', targetId: policyId },
      async (stores) => {
        if (prepared instanceof Error) throw prepared;
        const policy = await stores.policies.get(policyId);
        if (!policy) throw notFound('policy', policyId);
        const targets = await checkTargets(stores, prepared.request, prepared.absent);
        const actor = context.principal.actor;
        const now = this.deps.clock.now();
        const added = await stores.policies.assign(
          targets.map((target) => ({ policyId, target, assignedAt: now, assignedBy: actor })),
        );
        await stores.events.append(
          added.map((a) =>
            this.deps.events.make(
              EventType.PolicyAssigned,
              { kind: 'policy', id: policyId },
              actor,
              { version: policy.version, targetKind: a.target.kind, targetId: a.target.id },
              now,
            ),
          ),
        );
        const fresh = new Set(added.map((a) => keyOf(a.target)));
        const results = targets.map((target): AssignmentResult => ({
          target,
          outcome: fresh.has(keyOf(target)) ? 'assigned' : 'already_assigned',
        }));
        return { result: { policyId, version: policy.version, results }, added };
      },
      ({ result, added }) => ({
        details: {
          agents: result.results.filter((r) => r.target.kind === 'agent').length,
          groups: result.results.filter((r) => r.target.kind === 'group').length,
          assigned: added.length,
        },
      }),
    );
    this.notify(changeOf(added));
    return result;
  }

  async unassign(context: RequestContext, policyId: string, target: AssignmentTarget): Promise<void> {
    await this.deps.auditor.run(
      context,
      {
        action: 'policy.unassign',
        targetKind: 'policy',
        targetId: policyId,
        details: { targetKind: target.kind, targetId: target.id },
      },
      async (stores) => {
        if (!(await stores.policies.get(policyId))) throw notFound('policy', policyId);
        if (!(await stores.policies.unassign(policyId, target)))
          throw notFound(`assignment of policy ${policyId} to ${target.kind}`, target.id);
        await stores.events.append([
          this.unassignedEvent(policyId, target, context.principal.actor, 'unassigned'),
        ]);
      },
    );
    this.notify(changeOf([{ target }]));
  }

  async forgetTarget(target: AssignmentTarget, actor: string): Promise<void> {
    const removed = await this.deps.db.transaction(async (stores) => {
      const gone = await stores.policies.unassignTarget(target);
      await stores.events.append(
        gone.map((a) => this.unassignedEvent(a.policyId, target, actor, 'target_removed')),
      );
      return gone;
    });
    if (removed.length > 0) this.notify(changeOf([{ target }]));
  }

  /** A policy_unassigned event; `cause` says why (an unassign, the policy's deletion, the target's removal). */
  unassignedEvent(
    policyId: string,
    target: AssignmentTarget,
    actor: string,
    cause: 'unassigned' | 'policy_deleted' | 'target_removed',
  ) {
    return this.deps.events.make(
      EventType.PolicyUnassigned,
      { kind: 'policy', id: policyId },
      actor,
      { targetKind: target.kind, targetId: target.id, cause },
      this.deps.clock.now(),
    );
  }
}
