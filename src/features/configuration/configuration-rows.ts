// Row mapping for configuration layers and revisions, shared by the
// configuration store and the backups' whole-state snapshot.
import type { Insertable, Selectable } from 'kysely';
import type { ConfigLayersTable, ConfigRevisionsTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, toJson } from '../../infra/store/sql/sql-helpers.js';
import type { ConfigurationLayer } from './agent-configuration.js';
import type { ConfigRevision, ConfigScope, StoredLayer } from './configuration-store.js';
import type { DocumentChange } from './layering.js';

/** The fleet layer is stored with an empty scope id. */
export const scopeId = (scope: ConfigScope): string => (scope.kind === 'fleet' ? '' : scope.id);

export const toScope = (kind: string, id: string): ConfigScope =>
  kind === 'fleet' ? { kind: 'fleet' } : { kind: kind as 'group' | 'agent', id };

export const toLayer = (row: Selectable<ConfigLayersTable>): StoredLayer => ({
  scope: toScope(row.scope_kind, row.scope_id),
  document: fromJson<ConfigurationLayer>(row.document),
  revision: row.revision,
  revisionId: row.revision_id,
  updatedAt: row.updated_at,
  updatedBy: row.updated_by,
});

export const layerRow = (layer: StoredLayer): Insertable<ConfigLayersTable> => ({
  scope_kind: layer.scope.kind,
  scope_id: scopeId(layer.scope),
  document: toJson(layer.document),
  revision: layer.revision,
  revision_id: layer.revisionId,
  updated_at: layer.updatedAt,
  updated_by: layer.updatedBy,
});

export const toRevision = (row: Selectable<ConfigRevisionsTable>): ConfigRevision => ({
  id: row.id,
  scope: toScope(row.scope_kind, row.scope_id),
  revision: row.revision,
  document: fromJson<ConfigurationLayer>(row.document),
  diff: fromJson<DocumentChange[]>(row.diff),
  author: row.author,
  reason: row.reason,
  createdAt: row.created_at,
});

export const revisionRow = (revision: ConfigRevision): Insertable<ConfigRevisionsTable> => ({
  id: revision.id,
  scope_kind: revision.scope.kind,
  scope_id: scopeId(revision.scope),
  revision: revision.revision,
  document: toJson(revision.document),
  diff: toJson(revision.diff),
  author: revision.author,
  reason: revision.reason,
  created_at: revision.createdAt,
});

/** The layer a revision makes current. */
export const layerOf = (revision: ConfigRevision): StoredLayer => ({
  scope: revision.scope,
  document: revision.document,
  revision: revision.revision,
  revisionId: revision.id,
  updatedAt: revision.createdAt,
  updatedBy: revision.author,
});
