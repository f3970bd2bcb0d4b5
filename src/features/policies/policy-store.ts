// What the policies feature needs from persistence: policies with their
// immutable versions, and their assignments to agents and groups. Implemented
// over SQL (sql-policy-store.ts); one contract suite (policy-store.contract.ts).
import type {
  AssignmentTarget,
  AssignmentTargetKind,
  Policy,
  PolicyAssignment,
  PolicyDefinition,
  PolicyMode,
  PolicyVersion,
} from './policy.js';

/** A policy in a listing: everything but the rules document, whose size it gives as a rule count. */
export type PolicySummary = Omit<Policy, 'document'> & {
  readonly defaultAction: string;
  readonly ruleCount: number;
};

export interface PolicyPage {
  readonly items: readonly PolicySummary[];
  /** The id to continue after, when there are more. */
  readonly nextAfterId: string | undefined;
}

export interface PolicyFilter {
  readonly mode?: PolicyMode;
  /** Substring of the name. */
  readonly search?: string;
}

/** A new version's content and provenance; the store numbers it. */
export interface PolicyChange extends PolicyDefinition {
  readonly at: number;
  readonly by: string;
  readonly reason: string;
}

/** A version in a listing: everything but the rules document, whose size it gives as a rule count. */
export type PolicyVersionSummary = Omit<PolicyVersion, 'document'> & {
  readonly defaultAction: string;
  readonly ruleCount: number;
};

/** One assignment of a policy to one of the targets asked about. */
export interface TargetPolicy {
  readonly targetId: string;
  readonly policyId: string;
}

export interface PolicyStore {
  /** Stores a policy at version 1 and that version; already_exists when the name is taken. */
  insert(policy: Policy, reason: string): Promise<void>;
  get(id: string): Promise<Policy | undefined>;
  /** The policies with these ids that exist (one query per chunk of ids), in no particular order. */
  getMany(ids: readonly string[]): Promise<Policy[]>;
  /** By id (creation order). */
  list(filter: PolicyFilter, page: { afterId?: string; limit: number }): Promise<PolicyPage>;
  /**
   * Makes `change` the next version, only while the current one is
   * `expectedVersion` (any when undefined). The policy after the change, or
   * undefined when no row matched; already_exists when the new name is taken.
   */
  update(id: string, change: PolicyChange, expectedVersion?: number): Promise<Policy | undefined>;
  /** Deletes the policy with its versions and assignments; false when absent. */
  delete(id: string): Promise<boolean>;

  getVersion(policyId: string, version: number): Promise<PolicyVersion | undefined>;
  /** Newest first; `afterVersion` continues below it. */
  listVersions(
    policyId: string,
    page: { afterVersion?: number; limit: number },
  ): Promise<{ items: PolicyVersionSummary[]; nextAfterVersion: number | undefined }>;

  /**
   * Stores every assignment not stored yet, in multi-row inserts; returns the
   * ones it added (already-present ones are left as they were).
   */
  assign(assignments: readonly PolicyAssignment[]): Promise<PolicyAssignment[]>;
  /** false when there was no such assignment. */
  unassign(policyId: string, target: AssignmentTarget): Promise<boolean>;
  /** Every assignment of a policy (for delete and change notices), by kind then target id. */
  assignmentsOf(policyId: string): Promise<PolicyAssignment[]>;
  /** One page of a policy's assignments, by kind then target id; the cursor is `<kind>:<id>`. */
  listAssignments(
    policyId: string,
    page: { afterKey?: string; limit: number },
  ): Promise<{ items: PolicyAssignment[]; nextAfterKey: string | undefined }>;
  /**
   * Which policies these targets of one kind are assigned (one query per chunk
   * of ids). Ids only: a policy assigned to 10,000 agents is then read once.
   */
  policyIdsOf(kind: AssignmentTargetKind, targetIds: readonly string[]): Promise<TargetPolicy[]>;
  /** Removes every assignment to one target (a decommissioned agent, a deleted group); returns them. */
  unassignTarget(target: AssignmentTarget): Promise<PolicyAssignment[]>;
  /** The assignments to one target, with their policies, by policy id. */
  assignmentsTo(target: AssignmentTarget): Promise<(PolicyAssignment & { readonly policy: Policy })[]>;
}
