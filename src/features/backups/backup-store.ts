// What the backups feature needs from persistence: the backups themselves
// (the document as made, with checksum and size in columns), and — for fleet
// backups, state exports and imports — whole-state reads and writes of the
// tables other features own, copied exactly (ids, versions, revision numbers
// and times kept). Those features' own ports create records with new ids and
// numbers, which a copy must not do. SQL implementation: sql-backup-store.ts
// with sql-state-snapshot.ts; contract: backup-store.contract.ts.
import type { ConfigRevision, StoredLayer } from '../configuration/configuration-store.js';
import type { Group } from '../groups/group.js';
import type { Policy, PolicyAssignment, PolicyVersion } from '../policies/policy.js';

export interface BackupRecord {
  readonly id: string;
  readonly name: string;
  /** `fleet`, `group:<id>` or `agent:<id>`. */
  readonly scope: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly checksum: string;
  /** Bytes of the document. */
  readonly size: number;
  /** The backup document (JSON text), exactly as made and as downloaded. */
  readonly document: string;
}

export type BackupSummary = Omit<BackupRecord, 'document'>;

export interface BackupPage {
  readonly items: readonly BackupSummary[];
  readonly nextAfterId: string | undefined;
}

/** A stored row of a static group, whatever the agent's state (decommissioned agents keep theirs). */
export interface StaticMember {
  readonly groupId: string;
  readonly agentId: string;
  readonly addedAt: number;
  readonly addedBy: string;
}

export interface PolicyWithVersions extends Policy {
  /** Every version, oldest first; the last is the policy's current one. */
  readonly versions: readonly PolicyVersion[];
}

/** What a store holds that an import would collide with. */
export interface StateCounts {
  readonly groups: number;
  readonly policies: number;
  readonly layers: number;
  readonly commandTypes: number;
}

export interface BackupStore {
  insert(record: BackupRecord): Promise<void>;
  get(id: string): Promise<BackupRecord | undefined>;
  /** Newest first; `scope` keeps one scope's backups. */
  list(filter: { readonly scope?: string }, page: { afterId?: string; limit: number }): Promise<BackupPage>;

  /** Every configuration layer, by scope. */
  allLayers(): Promise<StoredLayer[]>;
  /** The current revision of every layer, or every revision there is (`all`); by id (oldest first). */
  layerRevisions(all: boolean): Promise<ConfigRevision[]>;
  /** Every group, by id. */
  allGroups(): Promise<Group[]>;
  /** Every stored static membership, by group then agent. */
  allStaticMembers(): Promise<StaticMember[]>;
  /** Every policy with all its versions, by id. */
  allPolicies(): Promise<PolicyWithVersions[]>;
  /** Every policy assignment, by policy, target kind and target id. */
  allAssignments(): Promise<PolicyAssignment[]>;
  stateCounts(): Promise<StateCounts>;

  /** Inserts policies with their versions as given (same ids and version numbers). */
  insertPolicies(policies: readonly PolicyWithVersions[]): Promise<void>;
  /** Inserts revisions and layers as given (same ids and revision numbers); the scopes must have none yet. */
  insertConfiguration(layers: readonly StoredLayer[], revisions: readonly ConfigRevision[]): Promise<void>;
}
