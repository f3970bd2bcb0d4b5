// The restore plan (pure): what restoring a backup would change, read off the
// comparison with now (layers from today's document to the backup's,
// assignments to add back and to remove, what is skipped), and the small
// pieces the restore applies it with: the refusal naming what is gone, and
// assignment requests within the policy service's caps.
import { CorralError, ErrorCode } from '../../shared/errors.js';
import { diffDocuments, type DocumentChange } from '../configuration/layering.js';
import { MAX_ASSIGN_AGENTS, MAX_ASSIGN_GROUPS } from '../policies/policy-targets.js';
import type { Comparison, MissingTarget, PolicyVersionMove } from './backup-comparison.js';
import type { BackupAssignment, BackupDocument } from './backup-document.js';

export interface PlannedLayer {
  readonly scope: string;
  /** The revision now (0: no layer); the write is guarded by it. */
  readonly fromRevision: number;
  /** What restoring changes, from today's document to the backup's. */
  readonly changes: readonly DocumentChange[];
  /** After an applied restore: the new revision written. */
  readonly revision?: number;
}

export interface RestorePlan {
  readonly backup: Pick<BackupDocument, 'id' | 'name' | 'scope' | 'createdAt' | 'checksum'>;
  readonly uploaded: boolean;
  readonly dryRun: boolean;
  readonly layers: readonly PlannedLayer[];
  readonly unchangedLayers: number;
  readonly assign: readonly BackupAssignment[];
  readonly unassign: readonly BackupAssignment[];
  /** What the backup names that no longer exists (only with skipMissing; otherwise the restore is refused). */
  readonly skipped: readonly MissingTarget[];
  /** Policies assigned then and now whose rules moved on: a restore does not roll policies back. */
  readonly policyVersions: readonly PolicyVersionMove[];
}

/** A verified backup about to be restored, and how. */
export interface Prepared {
  readonly document: BackupDocument;
  readonly options: { readonly dryRun: boolean; readonly skipMissing: boolean };
  readonly uploaded: boolean;
}

export function planOf({ document, options, uploaded }: Prepared, comparison: Comparison): RestorePlan {
  return {
    backup: {
      id: document.id,
      name: document.name,
      scope: document.scope,
      createdAt: document.createdAt,
      checksum: document.checksum,
    },
    uploaded,
    dryRun: options.dryRun,
    layers: comparison.layers.map((layer) => ({
      scope: layer.scope,
      fromRevision: layer.current.revision,
      changes: diffDocuments(layer.current.document, layer.backup?.document ?? {}),
    })),
    unchangedLayers: comparison.unchangedLayers,
    assign: comparison.removedSince,
    unassign: comparison.addedSince,
    skipped: comparison.missing,
    policyVersions: comparison.policyVersions,
  };
}

export const countsOf = (plan: RestorePlan) => ({
  details: {
    layers: plan.layers.length,
    assigned: plan.assign.length,
    unassigned: plan.unassign.length,
    skipped: plan.skipped.length,
  },
});

/** 412 naming what is gone (the first 20); nothing was changed. */
export function refuseMissing(missing: readonly MissingTarget[]): CorralError {
  const named = missing.slice(0, 20).map((m) => `${m.kind} ${m.id}`);
  const more = missing.length > named.length ? ` and ${missing.length - named.length} more` : '';
  return new CorralError(
    ErrorCode.PreconditionFailed,
    `the backup names what no longer exists: ${named.join(', ')}${more}; nothing was changed. Restore with skipMissing (corral backup restore --skip-missing) to restore the rest`,
    {
      violations: missing.map((m) => ({ field: `${m.kind}:${m.id}`, description: 'no longer exists' })),
    },
  );
}

export function groupByPolicy(assignments: readonly BackupAssignment[]): Map<string, BackupAssignment[]> {
  const out = new Map<string, BackupAssignment[]>();
  for (const a of assignments) {
    const list = out.get(a.policyId);
    if (list) list.push(a);
    else out.set(a.policyId, [a]);
  }
  return out;
}

/** Assignment request bodies within the policy service's per-request caps. */
export function assignmentBodies(targets: readonly BackupAssignment[]) {
  const agentIds = targets.filter((t) => t.targetKind === 'agent').map((t) => t.targetId);
  const groupIds = targets.filter((t) => t.targetKind === 'group').map((t) => t.targetId);
  const bodies: { agentIds?: string[]; groupIds?: string[] }[] = [];
  for (let i = 0; i < agentIds.length; i += MAX_ASSIGN_AGENTS)
    bodies.push({ agentIds: agentIds.slice(i, i + MAX_ASSIGN_AGENTS) });
  for (let i = 0; i < groupIds.length; i += MAX_ASSIGN_GROUPS)
    bodies.push({ groupIds: groupIds.slice(i, i + MAX_ASSIGN_GROUPS) });
  return bodies;
}
