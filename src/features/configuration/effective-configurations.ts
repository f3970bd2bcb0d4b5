// The effective configuration of many agents at once: one read of their groups,
// one read of every layer involved, then layering in memory (agents that share
// groups and have no layer of their own share the result). What the
// distributor sends and the API shows as "desired".
import type { Stores } from '../../infra/store/stores.js';
import type { AgentConfiguration, ConfigurationLayer } from './agent-configuration.js';
import { scopeKey, type ConfigScope, type StoredLayer } from './configuration-store.js';
import { configurationHash, effectiveConfiguration } from './layering.js';

/** What configuration needs to know of groups (the groups feature provides it). */
export interface GroupLookup {
  /** Per agent, its groups ordered by priority, highest first (ties by id). */
  groupsOfMany(
    agentIds: readonly string[],
  ): Promise<ReadonlyMap<string, readonly { id: string; priority: number }[]>>;
  exists(groupId: string): Promise<boolean>;
  /** The enrolled members of a group. */
  memberIds(groupId: string): Promise<string[]>;
}

export interface LayerRef {
  readonly scope: ConfigScope;
  readonly revision: number;
  readonly revisionId: string;
}

export interface EffectiveConfiguration {
  readonly config: AgentConfiguration;
  readonly hash: string;
  /** The layers it was built from, in the order applied (fleet, groups low to high priority, agent). */
  readonly layers: readonly LayerRef[];
}

/** A layer document as it would be, in place of the stored one (checking a change before storing it). */
export interface ReplacedLayer {
  readonly scope: ConfigScope;
  readonly document: ConfigurationLayer;
}

/**
 * `store` and `groups` may be a transaction's (a change checked before it
 * commits, with `replaced` layers in place of the stored ones).
 */
export async function effectiveConfigurations(
  store: Pick<Stores, 'configuration'>,
  groups: Pick<GroupLookup, 'groupsOfMany'>,
  agentIds: readonly string[],
  replaced: readonly ReplacedLayer[] = [],
): Promise<Map<string, EffectiveConfiguration>> {
  const groupsOf = await groups.groupsOfMany(agentIds);
  const groupIds = new Set([...groupsOf.values()].flatMap((list) => list.map((g) => g.id)));
  const stored = await store.configuration.layers([
    { kind: 'fleet' },
    ...[...groupIds].map((id) => ({ kind: 'group' as const, id })),
    ...agentIds.map((id) => ({ kind: 'agent' as const, id })),
  ]);
  const byKey = new Map(stored.map((layer) => [scopeKey(layer.scope), layer]));
  // Not stored yet: revision -1 keeps it apart from any stored revision in the cache below.
  for (const { scope, document } of replaced)
    byKey.set(scopeKey(scope), {
      scope,
      document,
      revision: -1,
      revisionId: '',
      updatedAt: 0,
      updatedBy: '',
    });
  const shared = new Map<string, EffectiveConfiguration>();
  const out = new Map<string, EffectiveConfiguration>();
  for (const agentId of agentIds) {
    // Lowest priority first, so the highest-priority group is applied last and wins.
    const chain = [
      byKey.get('fleet'),
      ...[...(groupsOf.get(agentId) ?? [])].reverse().map((g) => byKey.get(`group:${g.id}`)),
      byKey.get(`agent:${agentId}`),
    ].filter((layer): layer is StoredLayer => layer !== undefined);
    const chainKey = chain.map((layer) => `${scopeKey(layer.scope)}@${layer.revision}`).join('|');
    const reusable = chain.every((layer) => layer.scope.kind !== 'agent');
    const cached = reusable ? shared.get(chainKey) : undefined;
    const result = cached ?? build(chain);
    if (reusable && !cached) shared.set(chainKey, result);
    out.set(agentId, result);
  }
  return out;
}

function build(chain: readonly StoredLayer[]): EffectiveConfiguration {
  const config = effectiveConfiguration(chain.map((layer): ConfigurationLayer => layer.document));
  return {
    config,
    hash: configurationHash(config),
    layers: chain.map((layer) => ({
      scope: layer.scope,
      revision: layer.revision,
      revisionId: layer.revisionId,
    })),
  };
}
