// The backup document, format `corral.backup` version 1 (ADR 0013): what a
// backup of the fleet, a group or an agent holds — the configuration layers in
// its scope with the revision each came from, the group's members when it was
// made (group backups), and the policy assignments in its scope with each
// policy's name and version then — plus who made it, when, and the checksum of
// the content. Plain data and pure functions.
import { z } from 'zod';
import type { FieldViolation } from '../../shared/errors.js';
import { agentIdSchema } from '../agents/agent.js';
import { configurationLayerSchema, type ConfigurationLayer } from '../configuration/agent-configuration.js';
import type { ConfigScope } from '../configuration/configuration-store.js';
import { checksumOf, CHECKSUM_PATTERN, openSealedDocument, type DocumentKind } from './sealed-document.js';

export const BACKUP_FORMAT = 'corral.backup';
export const BACKUP_VERSION = 1;

const ID = '[A-Za-z0-9][A-Za-z0-9._:-]{0,127}';
export const SCOPE_PATTERN = new RegExp(`^(fleet|group:${ID}|agent:${ID})$`);
export const resourceId = z
  .string()
  .regex(new RegExp(`^${ID}$`), 'must be 1-128 characters of [A-Za-z0-9._:-]');
export const scopeKeySchema = z.string().regex(SCOPE_PATTERN, 'must be fleet, group:<id> or agent:<id>');

/** `fleet`, `group:<id>`, `agent:<id>` → the scope; undefined for anything else. */
export function parseScopeKey(text: string): ConfigScope | undefined {
  if (!SCOPE_PATTERN.test(text)) return undefined;
  if (text === 'fleet') return { kind: 'fleet' };
  const colon = text.indexOf(':');
  return { kind: text.slice(0, colon) as 'group' | 'agent', id: text.slice(colon + 1) };
}

const NAME = /^[^\p{Cc}]*$/u;
export const backupNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(NAME, 'must not contain control characters');

const layerEntrySchema = z.strictObject({
  scope: scopeKeySchema,
  revision: z.number().int().min(1),
  revisionId: z.string().min(1).max(128),
  document: configurationLayerSchema,
});
export type BackupLayer = z.output<typeof layerEntrySchema>;

const assignmentEntrySchema = z.strictObject({
  policyId: resourceId,
  policyName: z.string().max(128),
  policyVersion: z.number().int().min(1),
  targetKind: z.enum(['agent', 'group']),
  targetId: resourceId,
});
export type BackupAssignment = z.output<typeof assignmentEntrySchema>;

export const backupContentSchema = z.strictObject({
  scope: scopeKeySchema,
  /** Group backups: the group's members when the backup was made. */
  members: z.array(agentIdSchema).optional(),
  /** The layers that existed in the scope; a scope covered but absent had no layer. */
  layers: z.array(layerEntrySchema),
  assignments: z.array(assignmentEntrySchema),
});
export type BackupContent = z.output<typeof backupContentSchema>;

export const backupDocumentSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  id: resourceId,
  name: backupNameSchema,
  scope: scopeKeySchema,
  createdAt: z.iso.datetime(),
  createdBy: z.string().max(256),
  checksum: z.string().regex(CHECKSUM_PATTERN),
  content: backupContentSchema,
});
export type BackupDocument = z.output<typeof backupDocumentSchema>;

export interface BackupMeta {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: string;
}

/** A new backup document for `content`, with its checksum. */
export function sealBackup(meta: BackupMeta, content: BackupContent): BackupDocument {
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    id: meta.id,
    name: meta.name,
    scope: content.scope,
    createdAt: new Date(meta.createdAt).toISOString(),
    createdBy: meta.createdBy,
    checksum: checksumOf(content),
    content,
  };
}

/** Whether an assignment or layer target lies in the backup's scope. */
export function scopeCovers(content: BackupContent, kind: 'group' | 'agent', id: string): boolean {
  const scope = parseScopeKey(content.scope);
  if (scope === undefined) return false;
  if (scope.kind === 'fleet') return true;
  if (scope.kind === kind && scope.id === id) return true;
  return scope.kind === 'group' && kind === 'agent' && (content.members ?? []).includes(id);
}

function consistency(document: BackupDocument): FieldViolation[] {
  const { content } = document;
  const violations: FieldViolation[] = [];
  const add = (field: string, description: string) => violations.push({ field, description });
  if (document.scope !== content.scope)
    add('content.scope', `must be the document's scope ${document.scope}`);
  const isGroup = content.scope.startsWith('group:');
  if (isGroup !== (content.members !== undefined))
    add('content.members', isGroup ? 'is required in a group backup' : 'belongs only in a group backup');
  const seen = new Set<string>();
  content.layers.forEach((layer, i) => {
    const scope = parseScopeKey(layer.scope) as ConfigScope;
    const inScope =
      scope.kind === 'fleet' ? content.scope === 'fleet' : scopeCovers(content, scope.kind, scope.id);
    if (!inScope) add(`content.layers.${i}.scope`, `is outside the backup's scope ${content.scope}`);
    if (seen.has(layer.scope)) add(`content.layers.${i}.scope`, 'appears twice');
    seen.add(layer.scope);
  });
  const assigned = new Set<string>();
  content.assignments.forEach((a, i) => {
    if (!scopeCovers(content, a.targetKind, a.targetId))
      add(`content.assignments.${i}.targetId`, `is outside the backup's scope ${content.scope}`);
    const key = assignmentKey(a);
    if (assigned.has(key)) add(`content.assignments.${i}`, 'appears twice');
    assigned.add(key);
  });
  return violations;
}

export const assignmentKey = (a: {
  readonly policyId: string;
  readonly targetKind: string;
  readonly targetId: string;
}) => `${a.policyId}/${a.targetKind}:${a.targetId}`;

const BACKUP_KIND: DocumentKind<BackupDocument> = {
  format: BACKUP_FORMAT,
  version: BACKUP_VERSION,
  noun: 'backup',
  schema: backupDocumentSchema,
  check: consistency,
};

/** A backup document from JSON text or a parsed value, verified (format, version, checksum, schema). */
export const openBackupDocument = (input: unknown, prefix = ''): BackupDocument =>
  openSealedDocument(BACKUP_KIND, input, prefix);

export const layerDocument = (layer: BackupLayer | undefined): ConfigurationLayer => layer?.document ?? {};
