// What the configuration feature needs from persistence: the current layer of
// each scope with its revision (the ETag), the immutable revision history, and
// per agent its desired state (what it was sent, what it reported, its
// compliance), written in batches. SQL implementation: sql-configuration-store.ts.
import type { ConfigurationLayer } from './agent-configuration.js';
import type { DesiredState } from './desired-state.js';
import type { DocumentChange } from './layering.js';

export type ConfigScope =
  | { readonly kind: 'fleet' }
  | { readonly kind: 'group'; readonly id: string }
  | { readonly kind: 'agent'; readonly id: string };

export const scopeKey = (scope: ConfigScope): string =>
  scope.kind === 'fleet' ? 'fleet' : `${scope.kind}:${scope.id}`;

export interface StoredLayer {
  readonly scope: ConfigScope;
  readonly document: ConfigurationLayer;
  readonly revision: number;
  /** The id of the revision record of the current document. */
  readonly revisionId: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface ConfigRevision {
  readonly id: string;
  readonly scope: ConfigScope;
  readonly revision: number;
  readonly document: ConfigurationLayer;
  /** Against the previous revision of the same scope (against nothing for the first). */
  readonly diff: readonly DocumentChange[];
  readonly author: string;
  readonly reason: string;
  readonly createdAt: number;
}

export interface ConfigurationStore {
  getLayer(scope: ConfigScope): Promise<StoredLayer | undefined>;
  /** The layers that exist among `scopes` (one query per kind). */
  layers(scopes: readonly ConfigScope[]): Promise<StoredLayer[]>;
  /**
   * Stores revisions as the new current layers of their scopes, in one
   * transaction. Each revision's number must be one more than the stored one
   * (1 for a new scope); returns the scopes whose stored revision had moved on,
   * in which case nothing was written.
   */
  putLayers(revisions: readonly ConfigRevision[]): Promise<{ conflicts: ConfigScope[] }>;
  revisions(
    scope: ConfigScope,
    page: { afterId?: string; limit: number },
  ): Promise<{ items: ConfigRevision[]; nextAfterId: string | undefined }>;
  getRevision(id: string): Promise<ConfigRevision | undefined>;
  desiredStates(agentIds: readonly string[]): Promise<Map<string, DesiredState>>;
  /** Inserts or replaces, in batches. */
  writeDesiredStates(states: readonly DesiredState[]): Promise<void>;
  /**
   * Agents whose compliance is pending, the longest waiting first (by the sent
   * time of what they have not applied, then agent id): the drift check's work.
   */
  pendingStates(limit: number): Promise<DesiredState[]>;
  /** Forgets the desired state of these agents (unregistered ones). */
  deleteDesiredStates(agentIds: readonly string[]): Promise<void>;
  /** Enrolled (not decommissioned) agents by compliance, over the given agents or the whole fleet. */
  complianceCounts(agentIds?: readonly string[]): Promise<Readonly<Record<string, number>>>;
}
