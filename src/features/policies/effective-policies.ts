// The effective policy set of an agent, as a pure function of its direct
// assignments, its groups (in precedence order) and the policies assigned to
// those groups (docs/policies.md, "The effective set").
//
// Order: the agent's own assignments first, then its groups from the highest
// precedence (priority descending, then group id ascending, as groupsOf gives
// them); within each source, by policy id (creation order). A policy reached
// through several sources appears once, at its first place, at its current
// version, and lists every source in `via`.
//
// Hash: sha256 (hex) of the canonical JSON (keys sorted) of the list of
// [policyId, version, mode, document] entries in that order. The name and
// description are left out (every edit makes a new version anyway), so the
// agent's reported hash can be compared with a fresh one without loading them.
import { contentHash } from '../../shared/canonical-json.js';
import type { AssignmentTarget, Policy, PolicyMode } from './policy.js';
import type { RulesDocument } from './policy-rules.js';

/** An agent's group as the groups feature reports it. */
export interface GroupRef {
  readonly id: string;
  readonly priority: number;
}

export interface EffectivePolicy {
  readonly policyId: string;
  readonly version: number;
  readonly name: string;
  readonly mode: PolicyMode;
  /** The rules document: `{defaultAction, rules}`. */
  readonly rules: RulesDocument;
  /** Where the agent gets it from: itself (kind agent) and/or its groups, in precedence order. */
  readonly via: readonly AssignmentTarget[];
}

export interface EffectivePolicySet {
  readonly hash: string;
  readonly policies: readonly EffectivePolicy[];
}

/** What the hash covers, in the order given. */
export function policySetHash(
  policies: readonly Pick<EffectivePolicy, 'policyId' | 'version' | 'mode' | 'rules'>[],
): string {
  return contentHash(policies.map((p) => [p.policyId, p.version, p.mode, p.rules]));
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: Policy, b: Policy) => compareIds(a.id, b.id);
/** Group precedence, applied again here so the hash never depends on how the caller ordered them. */
const byPrecedence = (a: GroupRef, b: GroupRef) => b.priority - a.priority || compareIds(a.id, b.id);

/**
 * `hashes` may be shared across calls: it keeps each hash under the list of
 * `id@version` it covers (a version fixes mode and rules), so a fleet that
 * shares a few sets hashes each set once, not once per agent.
 */
export function effectivePolicySet(
  agentId: string,
  direct: readonly Policy[],
  groups: readonly GroupRef[],
  policiesOfGroup: ReadonlyMap<string, readonly Policy[]>,
  hashes: Map<string, string> = new Map(),
): EffectivePolicySet {
  const entries = new Map<string, { policy: Policy; via: AssignmentTarget[] }>();
  const add = (policies: readonly Policy[], source: AssignmentTarget) => {
    for (const policy of [...policies].sort(byId)) {
      const entry = entries.get(policy.id);
      if (entry) entry.via.push(source);
      else entries.set(policy.id, { policy, via: [source] });
    }
  };
  add(direct, { kind: 'agent', id: agentId });
  for (const group of [...groups].sort(byPrecedence))
    add(policiesOfGroup.get(group.id) ?? [], { kind: 'group', id: group.id });
  const policies = [...entries.values()].map(({ policy, via }): EffectivePolicy => ({
    policyId: policy.id,
    version: policy.version,
    name: policy.name,
    mode: policy.mode,
    rules: policy.document,
    via,
  }));
  const key = policies.map((p) => `${p.policyId}@${p.version}`).join(',');
  let hash = hashes.get(key);
  if (hash === undefined) {
    hash = policySetHash(policies);
    hashes.set(key, hash);
  }
  return { hash, policies };
}
