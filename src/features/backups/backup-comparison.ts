// A backup compared with the state of its scope now (pure): which layers
// differ, which assignments were added or removed since, which policies moved
// to another version, and what the backup names that no longer exists. The
// diff (what changed since the backup) and the restore plan (what restoring
// would change) are both read off one comparison, in opposite directions.
//
// Covered layers are every scope in the backup's content or in today's
// content of the same scope (today's is read for the backup's own member
// list): a covered scope without a layer counts as the empty document, so a
// layer created since the backup is restored to empty. Scopes whose group or
// agent is gone are `missing` when the backup says something about them, and
// ignored otherwise.
import { canonicalJson } from '../../shared/canonical-json.js';
import type { ConfigurationLayer } from '../configuration/agent-configuration.js';
import {
  assignmentKey,
  parseScopeKey,
  type BackupAssignment,
  type BackupContent,
  type BackupLayer,
} from './backup-document.js';

/** Which of the groups, agents and policies concerned exist now (agents: enrolled). */
export interface ExistingTargets {
  readonly groups: ReadonlySet<string>;
  readonly agents: ReadonlySet<string>;
  readonly policies: ReadonlyMap<string, { readonly name: string; readonly version: number }>;
}

export interface LayerDifference {
  readonly scope: string;
  /** Null when the scope had no layer in the backup. */
  readonly backup: { readonly revision: number; readonly document: ConfigurationLayer } | null;
  /** Revision 0 when the scope has no layer now. */
  readonly current: { readonly revision: number; readonly document: ConfigurationLayer };
}

export interface MissingTarget {
  readonly kind: 'group' | 'agent' | 'policy';
  readonly id: string;
}

export interface PolicyVersionMove {
  readonly policyId: string;
  readonly policyName: string;
  readonly backupVersion: number;
  readonly currentVersion: number;
}

export interface Comparison {
  /** Only the layers that differ, fleet first, then groups, then agents. */
  readonly layers: readonly LayerDifference[];
  readonly unchangedLayers: number;
  /** In the backup, not assigned now (policy and target exist): a restore assigns them. */
  readonly removedSince: readonly BackupAssignment[];
  /** Assigned now, not in the backup: a restore unassigns them. */
  readonly addedSince: readonly BackupAssignment[];
  /** Assigned both then and now, but the policy is at another version (restore leaves rules alone). */
  readonly policyVersions: readonly PolicyVersionMove[];
  readonly missing: readonly MissingTarget[];
}

export function compareWithNow(
  backup: BackupContent,
  now: BackupContent,
  existing: ExistingTargets,
): Comparison {
  const missing = new Map<string, MissingTarget>();
  const miss = (kind: MissingTarget['kind'], id: string) => missing.set(`${kind}:${id}`, { kind, id });
  const exists = (kind: 'group' | 'agent', id: string) =>
    kind === 'group' ? existing.groups.has(id) : existing.agents.has(id);

  const scope = parseScopeKey(backup.scope);
  if (scope && scope.kind !== 'fleet' && !exists(scope.kind, scope.id)) miss(scope.kind, scope.id);

  const before = new Map(backup.layers.map((l) => [l.scope, l]));
  const after = new Map(now.layers.map((l) => [l.scope, l]));
  const layers: LayerDifference[] = [];
  let unchangedLayers = 0;
  for (const key of orderedScopes([...before.keys(), ...after.keys()])) {
    const target = parseScopeKey(key);
    const then = before.get(key);
    if (target && target.kind !== 'fleet' && !exists(target.kind, target.id)) {
      if (then) miss(target.kind, target.id);
      continue;
    }
    const current = after.get(key);
    if (sameDocument(then, current)) unchangedLayers += 1;
    else
      layers.push({
        scope: key,
        backup: then ? { revision: then.revision, document: then.document } : null,
        current: { revision: current?.revision ?? 0, document: current?.document ?? {} },
      });
  }

  const assignedNow = new Map(now.assignments.map((a) => [assignmentKey(a), a]));
  const assignedThen = new Set(backup.assignments.map(assignmentKey));
  const removedSince: BackupAssignment[] = [];
  const policyVersions = new Map<string, PolicyVersionMove>();
  for (const a of backup.assignments) {
    const policy = existing.policies.get(a.policyId);
    if (!policy) miss('policy', a.policyId);
    if (!exists(a.targetKind, a.targetId)) miss(a.targetKind, a.targetId);
    if (!policy || !exists(a.targetKind, a.targetId)) continue;
    if (!assignedNow.has(assignmentKey(a))) removedSince.push(a);
    else if (policy.version !== a.policyVersion)
      policyVersions.set(a.policyId, {
        policyId: a.policyId,
        policyName: policy.name,
        backupVersion: a.policyVersion,
        currentVersion: policy.version,
      });
  }
  const addedSince = now.assignments.filter((a) => !assignedThen.has(assignmentKey(a)));
  return {
    layers,
    unchangedLayers,
    removedSince,
    addedSince,
    policyVersions: [...policyVersions.values()],
    missing: [...missing.values()],
  };
}

/** The ids a comparison needs to know exist: every group, agent and policy either content names. */
export function targetsNamed(backup: BackupContent, now: BackupContent) {
  const groups = new Set<string>();
  const agents = new Set<string>(backup.members ?? []);
  const add = (kind: string, id: string) => (kind === 'group' ? groups : agents).add(id);
  for (const content of [backup, now]) {
    const scope = parseScopeKey(content.scope);
    if (scope && scope.kind !== 'fleet') add(scope.kind, scope.id);
    for (const layer of content.layers) {
      const target = parseScopeKey(layer.scope);
      if (target && target.kind !== 'fleet') add(target.kind, target.id);
    }
    for (const a of content.assignments) add(a.targetKind, a.targetId);
  }
  const policies = new Set(backup.assignments.map((a) => a.policyId));
  return { groups: [...groups], agents: [...agents], policies: [...policies] };
}

function sameDocument(a: BackupLayer | undefined, b: BackupLayer | undefined): boolean {
  return canonicalJson(a?.document ?? {}) === canonicalJson(b?.document ?? {});
}

function orderedScopes(keys: readonly string[]): string[] {
  const rank = (key: string) => (key === 'fleet' ? 0 : key.startsWith('group:') ? 1 : 2);
  return [...new Set(keys)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
