// Rows of the policy tables to domain values and back, shared by the SQL
// policy store and its assignment half.
import type { Selectable } from 'kysely';
import type { PoliciesTable, PolicyVersionsTable } from '../../infra/store/sql/db-schema.js';
import { fromJson, toJson } from '../../infra/store/sql/sql-helpers.js';
import type { Policy, PolicyMode } from './policy.js';
import type { RulesDocument } from './policy-rules.js';
import type { PolicyChange, PolicySummary, PolicyVersionSummary } from './policy-store.js';

export const SUMMARY_COLUMNS = [
  'id',
  'name',
  'description',
  'mode',
  'default_action',
  'rule_count',
  'version',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
] as const;

type SummaryRow = Pick<Selectable<PoliciesTable>, (typeof SUMMARY_COLUMNS)[number]>;

export const toSummary = (row: SummaryRow): PolicySummary => ({
  id: row.id,
  name: row.name,
  description: row.description,
  mode: row.mode as PolicyMode,
  defaultAction: row.default_action,
  ruleCount: Number(row.rule_count),
  version: Number(row.version),
  createdAt: Number(row.created_at),
  createdBy: row.created_by,
  updatedAt: Number(row.updated_at),
  updatedBy: row.updated_by,
});

export const toPolicy = (row: Selectable<PoliciesTable>): Policy => {
  const { defaultAction: _action, ruleCount: _count, ...summary } = toSummary(row);
  return { ...summary, document: fromJson<RulesDocument>(row.document) };
};

export const documentColumns = (document: RulesDocument) => ({
  document: toJson(document),
  default_action: document.defaultAction,
  rule_count: document.rules.length,
});

export const versionRow = (policyId: string, version: number, change: PolicyChange) => ({
  policy_id: policyId,
  version,
  name: change.name,
  description: change.description,
  mode: change.mode,
  ...documentColumns(change.document),
  author: change.by,
  created_at: change.at,
  reason: change.reason,
});

export type VersionSummaryRow = Omit<Selectable<PolicyVersionsTable>, 'document'>;
export const toVersionSummary = (row: VersionSummaryRow): PolicyVersionSummary => ({
  policyId: row.policy_id,
  version: Number(row.version),
  name: row.name,
  description: row.description,
  mode: row.mode as PolicyMode,
  defaultAction: row.default_action,
  ruleCount: Number(row.rule_count),
  author: row.author,
  createdAt: Number(row.created_at),
  reason: row.reason,
});
