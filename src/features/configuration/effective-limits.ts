// Each layer is validated on its own, but an agent runs the merge of several:
// metadata capped at 64 entries per layer can exceed 64 entries once the fleet's,
// its groups' and its own are merged (the only rule merging can break, since
// every other field is checked where it is written). Agents refuse such a
// configuration (FAILED), so a layer change that would give an agent one is
// refused before it is stored, inside the change's transaction:
//
// - a bulk update checks the merged layer of every agent it writes, and the
//   effective configuration of each of them (at most 10,000 agents);
// - a layer replacement that adds metadata keys checks the effective
//   configuration of the agents it reaches: the agent itself, or the first
//   EFFECTIVE_CHECK_SAMPLE members of the group, or of the fleet, by id; and
//   a group layer must also fit together with the fleet layer alone (so that
//   agents joining the group later get a valid configuration).
//
// Agents beyond the sample, and agents pushed over the cap by a group
// membership or priority change, still refuse: that shows as non_compliant
// with the agent's reason naming `metadata`.
import type { Stores } from '../../infra/store/stores.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { zodViolations } from '../agents/agent.js';
import { enrolledAgentIds } from '../commands/command-targets.js';
import { compareGroupPrecedence } from '../groups/group.js';
import {
  agentConfigurationSchema,
  configurationLayerSchema,
  MAX_LAYER_BYTES,
  type ConfigurationLayer,
} from './agent-configuration.js';
import type { ConfigScope } from './configuration-store.js';
import { effectiveConfigurations, type GroupLookup, type ReplacedLayer } from './effective-configurations.js';
import { effectiveConfiguration } from './layering.js';

/** Agents whose effective configuration a group or fleet layer change is checked against. */
export const EFFECTIVE_CHECK_SAMPLE = 1_000;

/** An agent's groups in precedence order, read through a transaction's stores. */
function groupsIn(stores: Stores): Pick<GroupLookup, 'groupsOfMany'> {
  return {
    async groupsOfMany(agentIds) {
      const groups = await stores.groups.groupsOfAgents(agentIds);
      for (const list of groups.values()) list.sort(compareGroupPrecedence);
      return groups;
    },
  };
}

/** Whether `after` sets a metadata key `before` did not: only that can push an agent over the cap. */
export function addsMetadataKeys(before: ConfigurationLayer | undefined, after: ConfigurationLayer): boolean {
  return Object.entries(after.metadata ?? {}).some(
    ([key, value]) => value !== null && (before?.metadata?.[key] ?? null) === null,
  );
}

/** A bulk patch merged into an agent's layer must still be a valid layer; refusals name `patch`. */
export function checkMergedLayer(merged: ConfigurationLayer, agentId: string): void {
  const into = `merged into the layer of agent ${JSON.stringify(agentId)}`;
  const size = Buffer.byteLength(JSON.stringify(merged), 'utf8');
  if (size > MAX_LAYER_BYTES)
    throw invalidArgument('invalid input', [
      { field: 'patch', description: `${into}, gives ${size} bytes of JSON; at most ${MAX_LAYER_BYTES}` },
    ]);
  const parsed = configurationLayerSchema.safeParse(merged);
  if (!parsed.success)
    throw invalidArgument(
      'invalid input',
      zodViolations(parsed.error, 'patch').map((v) => ({ ...v, description: `${v.description} (${into})` })),
    );
}

/** The agents a layer replacement reaches, up to the sample size. */
export async function agentsReached(stores: Stores, scope: ConfigScope): Promise<string[]> {
  if (scope.kind === 'agent') return [scope.id];
  if (scope.kind === 'fleet')
    return (await enrolledAgentIds(stores, {}, EFFECTIVE_CHECK_SAMPLE)).slice(0, EFFECTIVE_CHECK_SAMPLE);
  const group = await stores.groups.get(scope.id);
  if (!group) return [];
  return [...(await stores.groups.memberIds(group, { limit: EFFECTIVE_CHECK_SAMPLE })).ids];
}

/**
 * Refuses the change when the effective configuration of any of `agentIds`,
 * with the `replaced` layers in place, would not be valid; violations are
 * named under `field` (`document` or `patch`).
 */
export async function checkEffective(
  stores: Stores,
  agentIds: readonly string[],
  replaced: readonly ReplacedLayer[],
  field: string,
): Promise<void> {
  if (agentIds.length === 0) return;
  const effective = await effectiveConfigurations(stores, groupsIn(stores), agentIds, replaced);
  const broken: { agentId: string; violations: FieldViolation[] }[] = [];
  for (const [agentId, { config }] of effective) {
    const parsed = agentConfigurationSchema.safeParse(config);
    if (!parsed.success) broken.push({ agentId, violations: zodViolations(parsed.error, field) });
  }
  const first = broken[0];
  if (!first) return;
  const more = broken.length > 1 ? ` (and ${broken.length - 1} more agents)` : '';
  throw invalidArgument(
    'the effective configuration of an agent would be invalid',
    first.violations.map((v) => ({
      field: v.field,
      description: `${v.description} in the effective configuration of agent ${JSON.stringify(first.agentId)}, merged with its other layers${more}`,
    })),
  );
}

/** A group layer must be valid together with the fleet layer alone (for members of any other groups). */
export async function checkWithFleet(stores: Stores, document: ConfigurationLayer): Promise<void> {
  const fleet = await stores.configuration.getLayer({ kind: 'fleet' });
  const parsed = agentConfigurationSchema.safeParse(
    effectiveConfiguration([fleet?.document ?? {}, document]),
  );
  if (!parsed.success)
    throw invalidArgument(
      'the effective configuration of the group members would be invalid',
      zodViolations(parsed.error, 'document').map((v) => ({
        ...v,
        description: `${v.description} once merged with the fleet layer`,
      })),
    );
}
