// Configuration as the admin API shows it: layers with their revision, an
// agent's desired / layered / applied view, revisions with their diff, and
// compliance summaries. Times are ISO-8601. Content hashes are called
// `digest` here, as in the policies API (no response member is named like a
// hash: those are reserved for stored secrets, which never leave the server).
import { z } from 'zod';
import { isoTime, isoTimeSchema } from '../../transports/http/json-values.js';
import { agentConfigurationSchema, configurationLayerSchema } from './agent-configuration.js';
import type { AgentConfigurationView, ComplianceSummary, LayerView } from './configuration-service.js';
import { scopeKey, type ConfigRevision, type ConfigScope } from './configuration-store.js';
import { COMPLIANCE_VALUES, type DesiredState, type PartState } from './desired-state.js';

const scopeJson = z.string().describe('fleet, group:<id> or agent:<id>');

export const layerJsonSchema = z.strictObject({
  scope: scopeJson,
  document: configurationLayerSchema.describe('The fields this layer sets (the rest come from lower layers)'),
  revision: z.number().int().describe('0 while the scope has no layer; the ETag'),
  revisionId: z.string().nullable(),
  updatedAt: isoTimeSchema.nullable(),
  updatedBy: z.string().nullable(),
});

export const layerJson = (view: LayerView) => ({
  scope: scopeKey(view.scope),
  document: view.document,
  revision: view.revision,
  revisionId: view.revisionId,
  updatedAt: view.updatedAt === null ? null : isoTime(view.updatedAt),
  updatedBy: view.updatedBy,
});

const changeJson = z.strictObject({ path: z.string(), from: z.json().optional(), to: z.json().optional() });

export const revisionJsonSchema = z.strictObject({
  id: z.string(),
  scope: scopeJson,
  revision: z.number().int(),
  document: configurationLayerSchema,
  diff: z.array(changeJson).describe('Against the previous revision of the same scope'),
  author: z.string(),
  reason: z.string(),
  createdAt: isoTimeSchema,
});

export const revisionJson = (r: ConfigRevision) => ({
  id: r.id,
  scope: scopeKey(r.scope),
  revision: r.revision,
  document: r.document,
  diff: r.diff as z.output<typeof changeJson>[],
  author: r.author,
  reason: r.reason,
  createdAt: isoTime(r.createdAt),
});

const partJson = z.strictObject({
  desiredDigest: z.string().describe('sha256 of what the agent was last sent'),
  sentAt: isoTimeSchema,
  appliedDigest: z.string().nullable().describe('sha256 of what the agent last reported running'),
  status: z.enum(['sent', 'applied', 'failed']),
  error: z.string().nullable(),
  reportedAt: isoTimeSchema.nullable(),
});

const partToJson = (p: PartState) => ({
  desiredDigest: p.desiredHash,
  sentAt: isoTime(p.sentAt),
  appliedDigest: p.appliedHash,
  status: p.status,
  error: p.error,
  reportedAt: p.reportedAt === null ? null : isoTime(p.reportedAt),
});

export const stateJsonSchema = z.strictObject({
  configuration: partJson,
  policies: partJson,
  compliance: z.enum(COMPLIANCE_VALUES),
  complianceReason: z.string(),
  complianceChangedAt: isoTimeSchema,
});

export const stateJson = (s: DesiredState) => ({
  configuration: partToJson(s.config),
  policies: partToJson(s.policy),
  compliance: s.compliance,
  complianceReason: s.complianceReason,
  complianceChangedAt: isoTime(s.complianceChangedAt),
});

export const agentConfigurationJsonSchema = z.strictObject({
  agentId: z.string(),
  desired: z.strictObject({
    configuration: agentConfigurationSchema.describe(
      'The effective configuration: defaults, fleet, groups, agent',
    ),
    digest: z.string().describe('sha256 of the canonical JSON of the configuration, as agents report it'),
    layers: z.array(z.strictObject({ scope: scopeJson, revision: z.number().int(), revisionId: z.string() })),
  }),
  layer: layerJsonSchema.describe("The agent's own layer"),
  applied: stateJsonSchema
    .nullable()
    .describe('What the agent was sent and reported, and its compliance; null before it was sent anything'),
  upToDate: z.boolean().describe('Whether the agent was last sent the desired configuration'),
});

export const agentConfigurationJson = (view: AgentConfigurationView) => ({
  agentId: view.agentId,
  desired: {
    configuration: view.desired.config,
    digest: view.desired.hash,
    layers: view.desired.layers.map((l) => ({
      scope: scopeKey(l.scope as ConfigScope),
      revision: l.revision,
      revisionId: l.revisionId,
    })),
  },
  layer: layerJson(view.layer),
  applied: view.state ? stateJson(view.state) : null,
  upToDate: view.upToDate,
});

export const complianceJsonSchema = z.strictObject({
  total: z.number().int(),
  byCompliance: z.record(z.string(), z.number().int()),
  compliantPercent: z.number(),
});

export const complianceJson = (summary: ComplianceSummary) => ({
  ...summary,
  byCompliance: { ...summary.byCompliance },
});
