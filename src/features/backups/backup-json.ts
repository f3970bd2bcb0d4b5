// Backups as the admin API shows them: summaries (listings, create), one
// backup with what it holds (layers without their documents, assignments),
// the diff against now, a restore plan or result, and an import's result.
// Times are ISO-8601. The document checksum is `checksum` (no response member
// is named like a hash).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import { diffDocuments, type DocumentChange } from '../configuration/layering.js';
import type { Comparison } from './backup-comparison.js';
import type { BackupDocument } from './backup-document.js';
import type { RestorePlan } from './backup-restore.js';
import type { BackupSummary } from './backup-store.js';
import type { ImportResult } from './state-transfer.js';

const scope = z.string().describe('fleet, group:<id> or agent:<id>');
const checksum = z.string().describe('sha256 (hex) of the canonical JSON of the document content');
const change = z.strictObject({ path: z.string(), from: z.json().optional(), to: z.json().optional() });
const changes = (items: readonly DocumentChange[]) => items as z.output<typeof change>[];

export const backupSummaryJsonSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  scope,
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  checksum,
  size: z.number().int().describe('Bytes of the document'),
});

export const backupSummaryJson = (b: BackupSummary): z.output<typeof backupSummaryJsonSchema> => ({
  id: b.id,
  name: b.name,
  scope: b.scope,
  createdAt: isoTime(b.createdAt),
  createdBy: b.createdBy,
  checksum: b.checksum,
  size: b.size,
});

const assignmentJson = z.strictObject({
  policyId: z.string(),
  policyName: z.string(),
  policyVersion: z.number().int().describe('The version assigned when the backup was made'),
  targetKind: z.enum(['agent', 'group']),
  targetId: z.string(),
});

export const backupJsonSchema = backupSummaryJsonSchema.extend({
  members: z.array(z.string()).nullable().describe("Group backups: the group's members then"),
  layers: z.array(z.strictObject({ scope, revision: z.number().int(), revisionId: z.string() })),
  assignments: z.array(assignmentJson),
});

export const backupJson = (b: BackupSummary, d: BackupDocument): z.output<typeof backupJsonSchema> => ({
  ...backupSummaryJson(b),
  members: d.content.members ?? null,
  layers: d.content.layers.map(({ scope: s, revision, revisionId }) => ({ scope: s, revision, revisionId })),
  assignments: d.content.assignments,
});

const missingJson = z.strictObject({ kind: z.enum(['group', 'agent', 'policy']), id: z.string() });
const versionMoveJson = z.strictObject({
  policyId: z.string(),
  policyName: z.string(),
  backupVersion: z.number().int(),
  currentVersion: z.number().int(),
});

export const backupDiffJsonSchema = z.strictObject({
  backupId: z.string(),
  scope,
  layers: z
    .array(
      z.strictObject({
        scope,
        backupRevision: z.number().int().nullable().describe('Null: the scope had no layer then'),
        currentRevision: z.number().int().describe('0: the scope has no layer now'),
        changes: z.array(change).describe('From the backup to now'),
      }),
    )
    .describe('Only the layers that differ'),
  unchangedLayers: z.number().int(),
  assignments: z.strictObject({
    added: z.array(assignmentJson).describe('Assigned since the backup (a restore unassigns them)'),
    removed: z.array(assignmentJson).describe('Unassigned since the backup (a restore assigns them again)'),
  }),
  policyVersions: z.array(versionMoveJson).describe('Policies still assigned whose rules changed since'),
  missing: z.array(missingJson).describe('Named by the backup, gone now'),
});

export const backupDiffJson = (d: BackupDocument, c: Comparison): z.output<typeof backupDiffJsonSchema> => ({
  backupId: d.id,
  scope: d.scope,
  layers: c.layers.map((l) => ({
    scope: l.scope,
    backupRevision: l.backup?.revision ?? null,
    currentRevision: l.current.revision,
    changes: changes(diffDocuments(l.backup?.document ?? {}, l.current.document)),
  })),
  unchangedLayers: c.unchangedLayers,
  assignments: { added: [...c.addedSince], removed: [...c.removedSince] },
  policyVersions: [...c.policyVersions],
  missing: [...c.missing],
});

export const restorePlanJsonSchema = z.strictObject({
  backup: z.strictObject({ id: z.string(), name: z.string(), scope, createdAt: isoTimeSchema, checksum }),
  uploaded: z.boolean(),
  dryRun: z.boolean().describe('true: nothing was changed, this is what a restore would do'),
  layers: z.array(
    z.strictObject({
      scope,
      fromRevision: z.number().int().describe('The revision replaced (0: none)'),
      revision: z.number().int().optional().describe('The new revision written (not on a dry run)'),
      changes: z.array(change).describe('From now to the backup'),
    }),
  ),
  unchangedLayers: z.number().int(),
  assign: z.array(assignmentJson),
  unassign: z.array(assignmentJson),
  skipped: z.array(missingJson).describe('Gone since the backup; skipped (skipMissing)'),
  policyVersions: z.array(versionMoveJson).describe('Not rolled back: policies keep their current version'),
});

export const restorePlanJson = (p: RestorePlan): z.output<typeof restorePlanJsonSchema> => ({
  ...p,
  layers: p.layers.map((l) => ({ ...l, changes: changes(l.changes) })),
  assign: [...p.assign],
  unassign: [...p.unassign],
  skipped: [...p.skipped],
  policyVersions: [...p.policyVersions],
});

export const importResultJsonSchema = z.strictObject({
  exportId: z.string(),
  checksum,
  imported: z.record(z.string(), z.number().int()).describe('Rows written, by kind'),
  placeholderAgents: z
    .array(z.string())
    .describe('Static members this instance never saw, recorded as decommissioned until they enroll'),
});

export const importResultJson = (r: ImportResult): z.output<typeof importResultJsonSchema> => ({
  exportId: r.exportId,
  checksum: r.checksum,
  imported: { ...r.imported },
  placeholderAgents: [...r.placeholderAgents],
});

/** An export or backup document, loosely: the full schemas are in docs/backups.md. */
export const sealedDocumentJsonSchema = z
  .looseObject({ format: z.string(), version: z.number().int(), checksum, content: z.looseObject({}) })
  .describe('A checksummed document (corral.backup or corral.state, version 1)');
