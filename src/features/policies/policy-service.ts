// Security policies (ADR 0011): create, read (current or any version), list,
// update (a new version, only at the version the caller read), delete (refused
// while assigned unless forced), assign and unassign to agents and groups
// (BulkAssignPolicy), direct assignments and effective sets of agents, and a
// change hook for distribution. Every change commits with its events and audit
// entry (refusals are audited too); listeners hear of it after the commit.
import type { Database } from '../../infra/store/stores.js';
import type { Clock } from '../../shared/clock.js';
import { notFound, preconditionFailed } from '../../shared/errors.js';
import type { IdSource } from '../../shared/ids.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import type { EventFactory } from '../events/event-factory.js';
import { EventType } from '../events/event.js';
import type { EffectivePolicySet } from './effective-policies.js';
import { readEffectivePolicies, type PolicyGroups } from './effective-policy-reads.js';
import { parsePolicyBody, type Policy, type PolicyAssignment, type PolicyVersion } from './policy.js';
import { PolicyAssignments, type BulkAssignResult } from './policy-assignments.js';
import {
  changeOf,
  isEmptyChange,
  type PoliciesChange,
  type PoliciesChangeListener,
} from './policy-changes.js';
import type { PolicyFilter, PolicyPage } from './policy-store.js';

export interface PolicyServiceDependencies {
  readonly db: Database;
  readonly auditor: Auditor;
  readonly events: EventFactory;
  readonly ids: IdSource;
  readonly clock: Clock;
  readonly groups: PolicyGroups;
  /** Where a listener's exception goes; it never fails the request that committed. */
  readonly onListenerError?: (error: unknown) => void;
}

export interface DeletePolicyOptions {
  /** Delete even while assigned: the assignments go too, each with a policy_unassigned event. */
  readonly force?: boolean;
  /** Only at this version (If-Match). */
  readonly expectedVersion?: number;
}

export class PolicyService {
  private readonly listeners = new Set<PoliciesChangeListener>();
  private readonly assignments: PolicyAssignments;

  constructor(private readonly deps: PolicyServiceDependencies) {
    this.assignments = new PolicyAssignments(deps, (change) => this.notify(change));
  }

  create(context: RequestContext, body: unknown): Promise<Policy> {
    const { auditor, clock, ids } = this.deps;
    return auditor.run(
      context,
      { action: 'policy.create', targetKind: 'policy', targetId: null },
      async (stores) => {
        const { reason, ...definition } = parsePolicyBody(body);
        const now = clock.now();
        const actor = context.principal.actor;
        const policy: Policy = {
          id: ids.next(),
          ...definition,
          version: 1,
          createdAt: now,
          createdBy: actor,
          updatedAt: now,
          updatedBy: actor,
        };
        await stores.policies.insert(policy, reason);
        await stores.events.append([this.event(EventType.PolicyCreated, policy, actor, { reason })]);
        return policy;
      },
      (policy) => ({ targetId: policy.id, details: { name: policy.name, version: policy.version } }),
    );
  }

  async get(id: string): Promise<Policy> {
    const policy = await this.deps.db.policies.get(id);
    if (!policy) throw notFound('policy', id);
    return policy;
  }

  async getVersion(id: string, version: number): Promise<PolicyVersion> {
    const found = await this.deps.db.policies.getVersion(id, version);
    if (found) return found;
    await this.get(id);
    throw notFound(`version of policy ${id}`, String(version));
  }

  list(filter: PolicyFilter, page: { afterId?: string; limit: number }): Promise<PolicyPage> {
    return this.deps.db.policies.list(filter, page);
  }

  async listVersions(id: string, page: { afterVersion?: number; limit: number }) {
    await this.get(id);
    return this.deps.db.policies.listVersions(id, page);
  }

  /** Replaces the whole definition, making it the next version; only at `expectedVersion` when given. */
  async update(
    context: RequestContext,
    id: string,
    body: unknown,
    expectedVersion?: number,
  ): Promise<Policy> {
    const { policy, targets } = await this.deps.auditor.run(
      context,
      { action: 'policy.update', targetKind: 'policy', targetId: id },
      async (stores) => {
        const { reason, ...definition } = parsePolicyBody(body);
        const current = await stores.policies.get(id);
        if (!current) throw notFound('policy', id);
        const actor = context.principal.actor;
        const change = { ...definition, reason, at: this.deps.clock.now(), by: actor };
        const updated = await stores.policies.update(id, change, expectedVersion);
        if (!updated) throw changedSince(id, expectedVersion, current.version);
        await stores.events.append([this.event(EventType.PolicyUpdated, updated, actor, { reason })]);
        return { policy: updated, targets: await stores.policies.assignmentsOf(id) };
      },
      ({ policy }) => ({ details: { version: policy.version } }),
    );
    this.notify(changeOf(targets));
    return policy;
  }

  async delete(context: RequestContext, id: string, options: DeletePolicyOptions = {}): Promise<void> {
    const force = options.force ?? false;
    const removed = await this.deps.auditor.run(
      context,
      { action: 'policy.delete', targetKind: 'policy', targetId: id, details: { force } },
      async (stores) => {
        const current = await stores.policies.get(id);
        if (!current) throw notFound('policy', id);
        const expected = options.expectedVersion;
        if (expected !== undefined && expected !== current.version)
          throw changedSince(id, expected, current.version);
        const assigned = await stores.policies.assignmentsOf(id);
        const first = assigned[0];
        if (first !== undefined && !force)
          throw preconditionFailed(
            `policy ${id} is assigned to ${assigned.length} target(s), such as ${first.target.kind} ${first.target.id}; unassign it first, or delete with force=true`,
          );
        await stores.policies.delete(id);
        const actor = context.principal.actor;
        await stores.events.append([
          ...assigned.map((a) => this.assignments.unassignedEvent(id, a.target, actor, 'policy_deleted')),
          this.event(EventType.PolicyDeleted, current, actor, { forced: assigned.length > 0 }),
        ]);
        return assigned;
      },
      (assigned) => ({ details: { unassigned: assigned.length } }),
    );
    this.notify(changeOf(removed));
  }

  /** BulkAssignPolicy (and AssignPolicyToAgent with one id): all targets or none, one result per target. */
  assign(context: RequestContext, policyId: string, body: unknown): Promise<BulkAssignResult> {
    return this.assignments.assign(context, policyId, body);
  }

  /** UnassignPolicyFromAgent, or from a group. */
  unassign(context: RequestContext, policyId: string, target: PolicyAssignment['target']): Promise<void> {
    return this.assignments.unassign(context, policyId, target);
  }

  /** Drops every assignment to a target that is gone (a deleted group), with events; for other features' hooks. */
  forgetTarget(target: PolicyAssignment['target'], actor = 'system'): Promise<void> {
    return this.assignments.forgetTarget(target, actor);
  }

  async listAssignments(policyId: string, page: { afterKey?: string; limit: number }) {
    await this.get(policyId);
    return this.deps.db.policies.listAssignments(policyId, page);
  }

  /** GetAgentPolicies: the agent's own assignments, and its effective set (with groups). */
  async agentPolicies(agentId: string) {
    if (!(await this.deps.db.agents.get(agentId))) throw notFound('agent', agentId);
    const [direct, effective] = await Promise.all([
      this.deps.db.policies.assignmentsTo({ kind: 'agent', id: agentId }),
      this.effectivePolicies(agentId),
    ]);
    return { direct, effective };
  }

  /** The effective policy set of one agent and its hash (docs/policies.md). */
  async effectivePolicies(agentId: string): Promise<EffectivePolicySet> {
    const groups = await this.deps.groups.groupsOf(agentId);
    const sets = await readEffectivePolicies(this.deps.db, [agentId], new Map([[agentId, groups]]));
    return sets.get(agentId) as EffectivePolicySet;
  }

  /** The effective sets of many agents, batched (for fleet-wide pushes). */
  async effectivePoliciesFor(agentIds: readonly string[]): Promise<Map<string, EffectivePolicySet>> {
    const groups = await this.deps.groups.groupsOfMany([...new Set(agentIds)]);
    return readEffectivePolicies(this.deps.db, agentIds, groups);
  }

  /** Calls `listener` after every commit that may change agents' effective sets; returns an unsubscribe. */
  onPoliciesChanged(listener: PoliciesChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(change: PoliciesChange): void {
    if (isEmptyChange(change)) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.deps.onListenerError?.(error);
      }
    }
  }

  private event(type: EventType, policy: Policy, actor: string, extra: Record<string, unknown>) {
    return this.deps.events.make(
      type,
      { kind: 'policy', id: policy.id },
      actor,
      { name: policy.name, version: policy.version, mode: policy.mode, ...extra },
      this.deps.clock.now(),
    );
  }
}

export function changedSince(id: string, expected: number | undefined, now: number) {
  return preconditionFailed(
    `policy ${id} changed since version ${expected ?? '?'} (it is at version ${now}); fetch it again`,
  );
}
