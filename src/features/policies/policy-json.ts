// Policies as the admin API shows them. A policy's rules document appears flat
// beside its mode (`defaultAction`, `rules`), exactly as it is written in
// requests; listings (policies, versions) carry a rule count instead of the
// rules. The effective set's content hash is called `digest`: no response
// member is named like a hash (no-secrets.int.test.ts keeps stored secret
// hashes out of every response by that rule). The request bodies are here too,
// for the OpenAPI document (the service validates them).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import type { EffectivePolicySet } from './effective-policies.js';
import type { BulkAssignResult } from './policy-assignments.js';
import {
  POLICY_MODE_VALUES,
  policyBodySchema,
  type Policy,
  type PolicyAssignment,
  type PolicyVersion,
} from './policy.js';
import { DEFAULT_ACTIONS, policyRuleSchema } from './policy-rules.js';
import type { PolicySummary, PolicyVersionSummary } from './policy-store.js';

const modeSchema = z.enum(POLICY_MODE_VALUES as [string, ...string[]]);
const ruleJson = z.record(z.string(), z.unknown()).describe('A rule (see docs/policies.md)');

const common = {
  name: z.string(),
  description: z.string(),
  mode: modeSchema,
  version: z.number().int().describe('The current version; the ETag is "<version>"'),
  defaultAction: z.string(),
};
const stamps = {
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  updatedAt: isoTimeSchema,
  updatedBy: z.string(),
};

export const policyJsonSchema = z.strictObject({
  id: z.string(),
  ...common,
  rules: z.array(ruleJson),
  ...stamps,
});
export const policySummaryJsonSchema = z.strictObject({
  id: z.string(),
  ...common,
  ruleCount: z.number().int(),
  ...stamps,
});

const versionCommon = {
  policyId: z.string(),
  ...common,
  version: z.number().int(),
  author: z.string(),
  createdAt: isoTimeSchema,
  reason: z.string(),
};
export const policyVersionJsonSchema = z.strictObject({ ...versionCommon, rules: z.array(ruleJson) });
export const policyVersionSummaryJsonSchema = z.strictObject({
  ...versionCommon,
  ruleCount: z.number().int(),
});

export const assignmentJsonSchema = z.strictObject({
  policyId: z.string(),
  targetKind: z.enum(['agent', 'group']),
  targetId: z.string(),
  assignedAt: isoTimeSchema,
  assignedBy: z.string(),
});

export const bulkAssignJsonSchema = z.strictObject({
  policyId: z.string(),
  version: z.number().int(),
  results: z.array(
    z.strictObject({
      targetKind: z.enum(['agent', 'group']),
      targetId: z.string(),
      outcome: z.enum(['assigned', 'already_assigned']),
    }),
  ),
});

const sourceJson = z.strictObject({ kind: z.enum(['agent', 'group']), id: z.string() });
export const agentPoliciesJsonSchema = z.strictObject({
  agentId: z.string(),
  direct: z.array(
    assignmentJsonSchema.extend({ name: z.string(), version: z.number().int(), mode: modeSchema }),
  ),
  effective: z.strictObject({
    digest: z
      .string()
      .describe('sha256 (hex) of the set, as sent to the agent; compare with what it reports'),
    policies: z.array(
      z.strictObject({
        policyId: z.string(),
        name: z.string(),
        version: z.number().int(),
        mode: modeSchema,
        ruleCount: z.number().int(),
        via: z.array(sourceJson).describe('Where the agent gets it: itself and/or its groups'),
      }),
    ),
  }),
});

/** The create and update body for the OpenAPI document. */
export const policyBodyDocSchema = policyBodySchema.extend({
  defaultAction: z.enum(DEFAULT_ACTIONS).describe('What happens to a request no rule matches'),
  rules: z
    .array(policyRuleSchema)
    .describe('Ordered rules; at most 1,000 and 256 KiB of JSON with defaultAction'),
});

const times = (p: Pick<Policy, 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy'>) => ({
  createdAt: isoTime(p.createdAt),
  createdBy: p.createdBy,
  updatedAt: isoTime(p.updatedAt),
  updatedBy: p.updatedBy,
});

export const policyJson = (p: Policy) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  mode: p.mode,
  version: p.version,
  defaultAction: p.document.defaultAction,
  rules: p.document.rules,
  ...times(p),
});

export const policySummaryJson = (p: PolicySummary) => ({
  id: p.id,
  name: p.name,
  description: p.description,
  mode: p.mode,
  version: p.version,
  defaultAction: p.defaultAction,
  ruleCount: p.ruleCount,
  ...times(p),
});

const versionJsonBase = (v: Omit<PolicyVersion, 'document'>) => ({
  policyId: v.policyId,
  version: v.version,
  name: v.name,
  description: v.description,
  mode: v.mode,
  author: v.author,
  createdAt: isoTime(v.createdAt),
  reason: v.reason,
});

export const policyVersionJson = (v: PolicyVersion) => ({
  ...versionJsonBase(v),
  defaultAction: v.document.defaultAction,
  rules: v.document.rules,
});

export const policyVersionSummaryJson = (v: PolicyVersionSummary) => ({
  ...versionJsonBase(v),
  defaultAction: v.defaultAction,
  ruleCount: v.ruleCount,
});

export const assignmentJson = (a: PolicyAssignment) => ({
  policyId: a.policyId,
  targetKind: a.target.kind,
  targetId: a.target.id,
  assignedAt: isoTime(a.assignedAt),
  assignedBy: a.assignedBy,
});

export const bulkAssignJson = (result: BulkAssignResult) => ({
  policyId: result.policyId,
  version: result.version,
  results: result.results.map((r) => ({
    targetKind: r.target.kind,
    targetId: r.target.id,
    outcome: r.outcome,
  })),
});

export function agentPoliciesJson(
  agentId: string,
  direct: readonly (PolicyAssignment & { readonly policy: Policy })[],
  effective: EffectivePolicySet,
) {
  return {
    agentId,
    direct: direct.map((d) => ({
      ...assignmentJson(d),
      name: d.policy.name,
      version: d.policy.version,
      mode: d.policy.mode,
    })),
    effective: {
      digest: effective.hash,
      policies: effective.policies.map((p) => ({
        policyId: p.policyId,
        name: p.name,
        version: p.version,
        mode: p.mode,
        ruleCount: p.rules.rules.length,
        via: p.via.map((v) => ({ kind: v.kind, id: v.id })),
      })),
    },
  };
}
