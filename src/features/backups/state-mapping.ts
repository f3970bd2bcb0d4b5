// Stored rows ↔ the entries of a state export (pure): times become ISO-8601
// text and back, scopes `fleet` / `group:<id>` / `agent:<id>`, each group
// carries its stored members, each policy its versions.
import type { ConfigurationLayer } from '../configuration/agent-configuration.js';
import {
  scopeKey,
  type ConfigRevision,
  type ConfigScope,
  type StoredLayer,
} from '../configuration/configuration-store.js';
import type { DocumentChange } from '../configuration/layering.js';
import type { StoredCommandType } from '../commands/command-type-store.js';
import type { ParamSchemaNode } from '../commands/command-types.js';
import type { JsonObject } from '../commands/command.js';
import type { Group } from '../groups/group.js';
import type { PolicyAssignment } from '../policies/policy.js';
import type { RulesDocument } from '../policies/policy-rules.js';
import { parseScopeKey } from './backup-document.js';
import type { PolicyWithVersions, StaticMember } from './backup-store.js';
import type { StateContent } from './state-document.js';

/** Everything an export holds, as the stores give it and take it back. */
export interface StateRows {
  readonly history: boolean;
  readonly groups: readonly Group[];
  readonly members: readonly StaticMember[];
  readonly policies: readonly PolicyWithVersions[];
  readonly assignments: readonly PolicyAssignment[];
  readonly layers: readonly StoredLayer[];
  readonly revisions: readonly ConfigRevision[];
  readonly commandTypes: readonly StoredCommandType[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (text: string) => Date.parse(text);
const scopeOf = (key: string): ConfigScope => parseScopeKey(key) ?? { kind: 'fleet' };

export function toStateContent(rows: StateRows): StateContent {
  const membersOf = new Map<string, StaticMember[]>();
  for (const m of rows.members) {
    const list = membersOf.get(m.groupId);
    if (list) list.push(m);
    else membersOf.set(m.groupId, [m]);
  }
  return {
    history: rows.history,
    groups: rows.groups.map((g) => ({
      id: g.id,
      name: g.name,
      description: g.description,
      kind: g.kind,
      selector: g.selector === null ? null : { ...g.selector },
      priority: g.priority,
      createdAt: iso(g.createdAt),
      createdBy: g.createdBy,
      updatedAt: iso(g.updatedAt),
      updatedBy: g.updatedBy,
      revision: g.revision,
      members: (membersOf.get(g.id) ?? []).map((m) => ({
        agentId: m.agentId,
        addedAt: iso(m.addedAt),
        addedBy: m.addedBy,
      })),
    })),
    policies: rows.policies.map((p) => ({
      id: p.id,
      name: p.name,
      description: p.description,
      mode: p.mode,
      document: p.document,
      version: p.version,
      createdAt: iso(p.createdAt),
      createdBy: p.createdBy,
      updatedAt: iso(p.updatedAt),
      updatedBy: p.updatedBy,
      versions: p.versions.map((v) => ({
        version: v.version,
        name: v.name,
        description: v.description,
        mode: v.mode,
        document: v.document,
        author: v.author,
        createdAt: iso(v.createdAt),
        reason: v.reason,
      })),
    })),
    assignments: rows.assignments.map((a) => ({
      policyId: a.policyId,
      targetKind: a.target.kind,
      targetId: a.target.id,
      assignedAt: iso(a.assignedAt),
      assignedBy: a.assignedBy,
    })),
    layers: rows.layers.map((l) => ({
      scope: scopeKey(l.scope),
      document: l.document,
      revision: l.revision,
      revisionId: l.revisionId,
      updatedAt: iso(l.updatedAt),
      updatedBy: l.updatedBy,
    })),
    revisions: rows.revisions.map((r) => ({
      id: r.id,
      scope: scopeKey(r.scope),
      revision: r.revision,
      document: r.document,
      diff: r.diff.map((change) => ({ ...change })) as StateContent['revisions'][number]['diff'],
      author: r.author,
      reason: r.reason,
      createdAt: iso(r.createdAt),
    })),
    commandTypes: rows.commandTypes.map((t) => ({
      name: t.name,
      description: t.description,
      schema: t.schema as unknown as JsonObject,
      example: t.example,
      createdAt: iso(t.createdAt),
      createdBy: t.createdBy,
      updatedAt: iso(t.updatedAt),
      updatedBy: t.updatedBy,
      revision: t.revision,
    })),
  };
}

export function fromStateContent(content: StateContent): StateRows {
  return {
    history: content.history,
    groups: content.groups.map(({ members: _members, ...g }) => ({
      ...g,
      selector: g.selector,
      createdAt: ms(g.createdAt),
      updatedAt: ms(g.updatedAt),
    })),
    members: content.groups.flatMap((g) =>
      g.members.map((m) => ({
        groupId: g.id,
        agentId: m.agentId,
        addedAt: ms(m.addedAt),
        addedBy: m.addedBy,
      })),
    ),
    policies: content.policies.map((p) => ({
      ...p,
      document: p.document as RulesDocument,
      createdAt: ms(p.createdAt),
      updatedAt: ms(p.updatedAt),
      versions: p.versions.map((v) => ({
        ...v,
        policyId: p.id,
        document: v.document as RulesDocument,
        createdAt: ms(v.createdAt),
      })),
    })),
    assignments: content.assignments.map((a) => ({
      policyId: a.policyId,
      target: { kind: a.targetKind, id: a.targetId },
      assignedAt: ms(a.assignedAt),
      assignedBy: a.assignedBy,
    })),
    layers: content.layers.map((l) => ({
      scope: scopeOf(l.scope),
      document: l.document as ConfigurationLayer,
      revision: l.revision,
      revisionId: l.revisionId,
      updatedAt: ms(l.updatedAt),
      updatedBy: l.updatedBy,
    })),
    revisions: content.revisions.map((r) => ({
      id: r.id,
      scope: scopeOf(r.scope),
      revision: r.revision,
      document: r.document as ConfigurationLayer,
      diff: r.diff as DocumentChange[],
      author: r.author,
      reason: r.reason,
      createdAt: ms(r.createdAt),
    })),
    commandTypes: content.commandTypes.map((t) => ({
      ...t,
      schema: t.schema as unknown as ParamSchemaNode,
      example: t.example as JsonObject | null,
      createdAt: ms(t.createdAt),
      updatedAt: ms(t.updatedAt),
    })),
  };
}
