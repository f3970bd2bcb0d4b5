// Reads what effective policy sets are built from, for one agent or many at
// once: the agents' groups (from the groups feature, injected), then one query
// per target kind for the assignments and one for the policies they name, then
// effectivePolicySet in memory. Never a query per agent.
import type { Database } from '../../infra/store/stores.js';
import { effectivePolicySet, type EffectivePolicySet, type GroupRef } from './effective-policies.js';
import type { Policy } from './policy.js';
import type { TargetPolicy } from './policy-store.js';

/** What policies need to know of groups; the groups feature provides it (wired in src/app). */
export interface PolicyGroups {
  /** An agent's groups, highest precedence first (priority descending, then id ascending). */
  groupsOf(agentId: string): Promise<readonly GroupRef[]>;
  /** The same for many agents in one call; agents in no group may be left out. */
  groupsOfMany(agentIds: readonly string[]): Promise<ReadonlyMap<string, readonly GroupRef[]>>;
  groupExists(groupId: string): Promise<boolean>;
}

function byTarget(
  rows: readonly TargetPolicy[],
  policies: ReadonlyMap<string, Policy>,
): Map<string, Policy[]> {
  const out = new Map<string, Policy[]>();
  for (const { targetId, policyId } of rows) {
    const policy = policies.get(policyId);
    // A policy deleted between the two reads is simply not there any more.
    if (policy === undefined) continue;
    const list = out.get(targetId);
    if (list) list.push(policy);
    else out.set(targetId, [policy]);
  }
  return out;
}

export async function readEffectivePolicies(
  db: Database,
  agentIds: readonly string[],
  groupsByAgent: ReadonlyMap<string, readonly GroupRef[]>,
): Promise<Map<string, EffectivePolicySet>> {
  const agents = [...new Set(agentIds)];
  const groupIds = [...new Set([...groupsByAgent.values()].flatMap((groups) => groups.map((g) => g.id)))];
  const [direct, viaGroups] = await Promise.all([
    db.policies.policyIdsOf('agent', agents),
    db.policies.policyIdsOf('group', groupIds),
  ]);
  const policyIds = new Set([...direct, ...viaGroups].map((row) => row.policyId));
  const policies = new Map((await db.policies.getMany([...policyIds])).map((p) => [p.id, p]));
  const directByAgent = byTarget(direct, policies);
  const byGroup = byTarget(viaGroups, policies);
  const hashes = new Map<string, string>();
  const out = new Map<string, EffectivePolicySet>();
  for (const agentId of agents)
    out.set(
      agentId,
      effectivePolicySet(
        agentId,
        directByAgent.get(agentId) ?? [],
        groupsByAgent.get(agentId) ?? [],
        byGroup,
        hashes,
      ),
    );
  return out;
}
