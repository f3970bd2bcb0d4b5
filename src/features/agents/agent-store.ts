// What the agents feature needs from persistence. Implemented over SQL in
// src/infra/store (SQLite now, PostgreSQL later); one contract test suite.
import type { Connectivity, Health, HeartbeatSample } from '../health/health-model.js';
import type { Agent, AgentFacts } from './agent.js';

export interface NewAgent extends AgentFacts {
  readonly id: string;
  readonly credentialHash: string;
  /** Hash of the agent's enrollment nonce, or null when it sent none. */
  readonly enrollmentNonceHash?: string | null;
  readonly enrolledAt: number;
  readonly enrollmentSecretId: string | null;
}

export interface AgentFilter {
  readonly status?: readonly Connectivity[];
  readonly health?: readonly Health[];
  readonly type?: string;
  readonly version?: string;
  readonly capability?: string;
  /** Every pair must match. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Substring of id, name or hostname. */
  readonly search?: string;
  /** Members of a group: a static group's stored members, or a dynamic group's selector (labels ⊇). */
  readonly group?:
    { readonly staticGroupId: string } | { readonly selector: Readonly<Record<string, string>> };
}

/** What a listing can be ordered by (then by id, so the order is total). */
export const AGENT_SORT_FIELDS = [
  'id',
  'name',
  'hostname',
  'status',
  'health',
  'type',
  'version',
  'lastSeenAt',
  'enrolledAt',
] as const;
export type AgentSortField = (typeof AGENT_SORT_FIELDS)[number];

export interface AgentSort {
  readonly field: AgentSortField;
  readonly order: 'asc' | 'desc';
}

/** A position in a sorted listing: the last row's sort value and id. */
export type AgentSortKey = string | number;

export interface AgentPageRequest {
  readonly afterId?: string;
  /** The sort value of the row `afterId` names; required with afterId when sorting by another field than id. */
  readonly afterKey?: AgentSortKey;
  readonly limit: number;
  /** Default: by id, ascending. */
  readonly sort?: AgentSort;
}

export interface AgentPage {
  readonly items: readonly Agent[];
  /** The id to continue after, when there are more. */
  readonly nextAfterId: string | undefined;
  /** With a sort by another field than id: that field's value in the row nextAfterId names. */
  readonly nextAfterKey?: AgentSortKey;
}

/**
 * One agent's live state to persist. Written in batches; every write is
 * guarded so that it never moves an agent backwards (see CONNECTIVITY_PREDECESSORS).
 */
export interface AgentLiveState {
  readonly id: string;
  readonly status: Connectivity;
  readonly statusChangedAt: number;
  readonly health: Health;
  readonly healthReasons: readonly string[];
  readonly healthChangedAt: number;
  readonly lastSeenAt: number | null;
  readonly lastHeartbeat: HeartbeatSample | null;
}

export interface StaleAgent {
  readonly id: string;
  readonly from: Connectivity;
  readonly to: Connectivity;
  readonly lastSeenAt: number | null;
}

export interface FleetCounts {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byHealth: Readonly<Record<string, number>>;
  readonly byType: Readonly<Record<string, number>>;
  readonly byVersion: Readonly<Record<string, number>>;
}

export interface AgentStore {
  insert(agent: NewAgent): Promise<void>;
  get(id: string): Promise<Agent | undefined>;
  getCredentialHash(id: string): Promise<string | undefined>;
  getEnrollmentNonceHash(id: string): Promise<string | undefined>;
  /** Gives an enrolled agent a new credential (a retried enrollment); false when absent or decommissioned. */
  replaceCredential(id: string, credentialHash: string, at: number): Promise<boolean>;
  /** Which of these ids are enrolled agents that are not decommissioned (one query per chunk, not per id). */
  enrolledAmong(ids: readonly string[]): Promise<Set<string>>;
  /** Replaces an existing agent's facts (re-enrollment); bumps revision. */
  updateFacts(id: string, facts: AgentFacts, at: number): Promise<void>;
  /** A decommissioned agent enrolling anew: new facts and credential, status offline. */
  reinstate(agent: NewAgent): Promise<void>;
  /** Applies an operator's patch when `expectedRevision` matches (or is undefined); returns the new agent or undefined on a revision mismatch. */
  updateMetadata(
    id: string,
    patch: { name?: string; labels?: Record<string, string> },
    at: number,
    expectedRevision?: number,
  ): Promise<Agent | undefined>;
  /** Marks decommissioned and drops the credential. Returns false when already decommissioned or absent. */
  decommission(id: string, at: number): Promise<boolean>;
  list(filter: AgentFilter, page: AgentPageRequest): Promise<AgentPage>;
  /** Writes live states in batches; returns the ids whose write was refused by the guard. */
  applyLiveStates(states: readonly AgentLiveState[]): Promise<string[]>;
  /**
   * Moves silent agents on: online agents last seen before `offlineBefore` to offline,
   * online/offline agents last seen before `inactiveBefore` to inactive. Returns what moved.
   */
  markStale(cutoffs: { offlineBefore: number; inactiveBefore: number; at: number }): Promise<StaleAgent[]>;
  counts(): Promise<FleetCounts>;
}
