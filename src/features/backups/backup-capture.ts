// Reads what a backup of a scope holds, from any Stores (the root database, or
// a transaction's stores so that a backup is one consistent snapshot):
// - agent: its own layer and its direct policy assignments;
// - group: the group's layer, its members (now, or the list given — a backup's
//   members, when comparing it with today) with their own layers, and the
//   assignments to the group and to those members;
// - fleet: the fleet layer and every layer and assignment of a group that
//   exists or an agent that is enrolled (leftovers of deleted groups and
//   unregistered agents apply to nobody, and could not be restored).
// Layers and assignments come out sorted, so equal state gives equal content.
import type { Stores } from '../../infra/store/stores.js';
import { scopeKey, type ConfigScope, type StoredLayer } from '../configuration/configuration-store.js';
import { memberIdPages } from '../groups/group-members.js';
import type { AssignmentTarget } from '../policies/policy.js';
import {
  assignmentKey,
  type BackupAssignment,
  type BackupContent,
  type BackupLayer,
} from './backup-document.js';

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
/** fleet first, then groups, then agents (each by id). */
const layerOrder = (scope: string) =>
  scope === 'fleet' ? '0' : scope.startsWith('group:') ? `1${scope}` : `2${scope}`;

const layerEntry = (layer: StoredLayer): BackupLayer => ({
  scope: scopeKey(layer.scope),
  revision: layer.revision,
  revisionId: layer.revisionId,
  document: layer.document,
});

/** The enrolled members of a group now; none when the group does not exist. */
export async function currentMembers(stores: Stores, groupId: string): Promise<string[]> {
  const group = await stores.groups.get(groupId);
  if (!group) return [];
  const ids: string[] = [];
  for await (const page of memberIdPages(stores.groups, group)) ids.push(...page);
  return ids;
}

/** The state of `scope` as a backup's content; `members` replaces a group's current members. */
export async function captureScope(
  stores: Stores,
  scope: ConfigScope,
  members?: readonly string[],
): Promise<BackupContent> {
  if (scope.kind === 'fleet') return captureFleet(stores);
  const agentIds =
    scope.kind === 'agent' ? [] : [...(members ?? (await currentMembers(stores, scope.id)))].sort();
  const scopes: ConfigScope[] = [scope, ...agentIds.map((id): ConfigScope => ({ kind: 'agent', id }))];
  const layers = await stores.configuration.layers(scopes);
  const targets: AssignmentTarget[] = [
    { kind: scope.kind, id: scope.id },
    ...agentIds.map((id): AssignmentTarget => ({ kind: 'agent', id })),
  ];
  return finish(
    scopeKey(scope),
    layers,
    await assignmentsOf(stores, targets),
    scope.kind === 'group' ? agentIds : undefined,
  );
}

async function captureFleet(stores: Stores): Promise<BackupContent> {
  // One after the other: inside a transaction the stores share one connection.
  const layers = await stores.backups.allLayers();
  const assignments = await stores.backups.allAssignments();
  const groups = await stores.backups.allGroups();
  const groupIds = new Set(groups.map((g) => g.id));
  const agentIds = [
    ...layers.flatMap((l) => (l.scope.kind === 'agent' ? [l.scope.id] : [])),
    ...assignments.flatMap((a) => (a.target.kind === 'agent' ? [a.target.id] : [])),
  ];
  const enrolled = await stores.agents.enrolledAmong([...new Set(agentIds)]);
  const exists = (kind: string, id: string) => (kind === 'group' ? groupIds.has(id) : enrolled.has(id));
  const kept = layers.filter((l) => l.scope.kind === 'fleet' || exists(l.scope.kind, l.scope.id));
  const targets = assignments.filter((a) => exists(a.target.kind, a.target.id)).map((a) => a.target);
  return finish('fleet', kept, await assignmentsOf(stores, targets), undefined);
}

/** The assignments to these targets, each with its policy's name and version now. */
export async function assignmentsOf(
  stores: Stores,
  targets: readonly AssignmentTarget[],
): Promise<BackupAssignment[]> {
  const found: { policyId: string; targetKind: 'agent' | 'group'; targetId: string }[] = [];
  for (const kind of ['agent', 'group'] as const) {
    const ids = [...new Set(targets.filter((t) => t.kind === kind).map((t) => t.id))];
    if (ids.length === 0) continue;
    for (const { targetId, policyId } of await stores.policies.policyIdsOf(kind, ids))
      found.push({ policyId, targetKind: kind, targetId });
  }
  const policies = new Map(
    (await stores.policies.getMany([...new Set(found.map((a) => a.policyId))])).map((p) => [p.id, p]),
  );
  return found.flatMap((a) => {
    const policy = policies.get(a.policyId);
    return policy ? [{ ...a, policyName: policy.name, policyVersion: policy.version }] : [];
  });
}

function finish(
  scope: string,
  layers: readonly StoredLayer[],
  assignments: readonly BackupAssignment[],
  members: readonly string[] | undefined,
): BackupContent {
  return {
    scope,
    ...(members === undefined ? {} : { members: [...members] }),
    layers: layers.map(layerEntry).sort(byKey((l) => layerOrder(l.scope))),
    assignments: [...assignments].sort(byKey(assignmentKey)),
  };
}
