// The state export document, format `corral.state` version 1 (ADR 0013): the
// fleet's whole setup for disaster recovery — groups with their stored
// members, policies with every version, policy assignments, configuration
// layers with their current revisions (every revision with `history`), and
// operator-registered command types — with ids, versions, revision numbers
// and times as they were. Agents themselves are not in it (they enroll
// again). Times are ISO-8601. Plain data and pure functions.
import { z } from 'zod';
import { isCorralError, type FieldViolation } from '../../shared/errors.js';
import { agentIdSchema, labelsSchema } from '../agents/agent.js';
import { parseRegistration } from '../commands/command-type-registration.js';
import { configurationLayerSchema } from '../configuration/agent-configuration.js';
import {
  GROUP_KIND_VALUES,
  MAX_GROUP_PRIORITY,
  MIN_GROUP_PRIORITY,
  type GroupKind,
} from '../groups/group.js';
import { POLICY_MODE_VALUES, type PolicyMode } from '../policies/policy.js';
import { rulesDocumentSchema } from '../policies/policy-rules.js';
import { resourceId, scopeKeySchema } from './backup-document.js';
import { CHECKSUM_PATTERN, openSealedDocument, type DocumentKind } from './sealed-document.js';

export const STATE_FORMAT = 'corral.state';
export const STATE_VERSION = 1;

const iso = z.iso.datetime();
const actor = z.string().max(256);
const text = (max: number) => z.string().max(max);

const memberEntry = z.strictObject({ agentId: agentIdSchema, addedAt: iso, addedBy: actor });

const groupEntry = z.strictObject({
  id: resourceId,
  name: z.string().min(1).max(128),
  description: text(1024),
  kind: z.enum(GROUP_KIND_VALUES as [GroupKind, ...GroupKind[]]),
  selector: labelsSchema.nullable(),
  priority: z.number().int().min(MIN_GROUP_PRIORITY).max(MAX_GROUP_PRIORITY),
  createdAt: iso,
  createdBy: actor,
  updatedAt: iso,
  updatedBy: actor,
  revision: z.number().int().min(1),
  /** Static groups: every stored member, decommissioned agents included. */
  members: z.array(memberEntry),
});

const definition = {
  name: z.string().min(1).max(128),
  description: text(1024),
  mode: z.enum(POLICY_MODE_VALUES as [PolicyMode, ...PolicyMode[]]),
  document: rulesDocumentSchema,
};

const policyEntry = z.strictObject({
  id: resourceId,
  ...definition,
  version: z.number().int().min(1),
  createdAt: iso,
  createdBy: actor,
  updatedAt: iso,
  updatedBy: actor,
  /** Every version, oldest first; the current one among them. */
  versions: z.array(
    z.strictObject({
      version: z.number().int().min(1),
      ...definition,
      author: actor,
      createdAt: iso,
      reason: text(512),
    }),
  ),
});

const assignmentEntry = z.strictObject({
  policyId: resourceId,
  targetKind: z.enum(['agent', 'group']),
  targetId: resourceId,
  assignedAt: iso,
  assignedBy: actor,
});

const layerEntry = z.strictObject({
  scope: scopeKeySchema,
  document: configurationLayerSchema,
  revision: z.number().int().min(1),
  revisionId: resourceId,
  updatedAt: iso,
  updatedBy: actor,
});

const revisionEntry = z.strictObject({
  id: resourceId,
  scope: scopeKeySchema,
  revision: z.number().int().min(1),
  document: configurationLayerSchema,
  diff: z.array(z.strictObject({ path: z.string(), from: z.json().optional(), to: z.json().optional() })),
  author: actor,
  reason: text(512),
  createdAt: iso,
});

const commandTypeEntry = z.strictObject({
  name: z.string().max(128),
  description: text(1024),
  schema: z.record(z.string(), z.json()),
  example: z.record(z.string(), z.json()).nullable(),
  createdAt: iso,
  createdBy: actor,
  updatedAt: iso,
  updatedBy: actor,
  revision: z.number().int().min(1),
});

export const stateContentSchema = z.strictObject({
  /** Whether `revisions` holds every revision, or only each layer's current one. */
  history: z.boolean(),
  groups: z.array(groupEntry),
  policies: z.array(policyEntry),
  assignments: z.array(assignmentEntry),
  layers: z.array(layerEntry),
  revisions: z.array(revisionEntry),
  commandTypes: z.array(commandTypeEntry),
});
export type StateContent = z.output<typeof stateContentSchema>;

export const stateDocumentSchema = z.strictObject({
  format: z.literal(STATE_FORMAT),
  version: z.literal(STATE_VERSION),
  id: resourceId,
  exportedAt: iso,
  exportedBy: actor,
  corralVersion: z.string().max(64),
  checksum: z.string().regex(CHECKSUM_PATTERN),
  content: stateContentSchema,
});
export type StateDocument = z.output<typeof stateDocumentSchema>;

/** Rules across entries: unique ids and names, and every reference resolved within the document. */
function consistency({ content }: StateDocument): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const unique = <T>(list: readonly T[], path: string, keyOf: (item: T) => string, what: string) => {
    const seen = new Set<string>();
    list.forEach((item, i) => {
      const key = keyOf(item);
      if (seen.has(key))
        violations.push({ field: `content.${path}.${i}`, description: `repeats ${what} ${key}` });
      seen.add(key);
    });
  };
  unique(content.groups, 'groups', (g) => g.id, 'group id');
  unique(content.groups, 'groups', (g) => g.name, 'group name');
  content.groups.forEach((g, i) => {
    if (g.kind === 'dynamic' && g.members.length > 0)
      violations.push({
        field: `content.groups.${i}.members`,
        description: 'a dynamic group stores no members',
      });
    if ((g.kind === 'dynamic') !== (g.selector !== null))
      violations.push({
        field: `content.groups.${i}.selector`,
        description: 'dynamic groups, and only they, have one',
      });
    unique(g.members, `groups.${i}.members`, (m) => m.agentId, 'agent');
  });
  unique(content.policies, 'policies', (p) => p.id, 'policy id');
  unique(content.policies, 'policies', (p) => p.name, 'policy name');
  content.policies.forEach((p, i) => {
    unique(p.versions, `policies.${i}.versions`, (v) => String(v.version), 'version');
    if (!p.versions.some((v) => v.version === p.version))
      violations.push({
        field: `content.policies.${i}.versions`,
        description: `lacks the current version ${p.version}`,
      });
  });
  const policyIds = new Set(content.policies.map((p) => p.id));
  content.assignments.forEach((a, i) => {
    if (!policyIds.has(a.policyId))
      violations.push({
        field: `content.assignments.${i}.policyId`,
        description: 'names no policy in the document',
      });
  });
  unique(
    content.assignments,
    'assignments',
    (a) => `${a.policyId}/${a.targetKind}:${a.targetId}`,
    'assignment',
  );
  unique(content.revisions, 'revisions', (r) => r.id, 'revision id');
  unique(content.revisions, 'revisions', (r) => `${r.scope}@${r.revision}`, 'revision');
  unique(content.layers, 'layers', (l) => l.scope, 'scope');
  const revisions = new Map(content.revisions.map((r) => [r.id, r]));
  content.layers.forEach((l, i) => {
    const r = revisions.get(l.revisionId);
    if (!r || r.scope !== l.scope || r.revision !== l.revision)
      violations.push({
        field: `content.layers.${i}.revisionId`,
        description: `names no revision ${l.revision} of ${l.scope} in the document`,
      });
  });
  unique(content.commandTypes, 'commandTypes', (t) => t.name, 'command type');
  content.commandTypes.forEach((t, i) =>
    violations.push(...commandTypeViolations(t, `content.commandTypes.${i}`)),
  );
  return violations;
}

function commandTypeViolations(type: StateContent['commandTypes'][number], prefix: string): FieldViolation[] {
  try {
    const { name, description, schema, example } = type;
    parseRegistration({ name, description, schema, ...(example === null ? {} : { example }) });
    return [];
  } catch (error) {
    if (!isCorralError(error)) throw error;
    const found =
      error.violations.length > 0 ? error.violations : [{ field: '', description: error.message }];
    return found.map((v) => ({
      field: v.field === '' ? prefix : `${prefix}.${v.field}`,
      description: v.description,
    }));
  }
}

const STATE_KIND: DocumentKind<StateDocument> = {
  format: STATE_FORMAT,
  version: STATE_VERSION,
  noun: 'state export',
  schema: stateDocumentSchema,
  check: consistency,
};

/** A state export from JSON text or a parsed value, verified (format, version, checksum, schema, references). */
export const openStateDocument = (input: unknown): StateDocument => openSealedDocument(STATE_KIND, input);
