// Groups as the admin API shows them: the group (ISO-8601 times, revision =
// ETag), a member (the agent's id, name, live status and health, and who added
// it to a static group), the results of membership edits, and the summary.
import { z } from 'zod';
import {
  isoTime,
  isoTimeOrNull,
  isoTimeOrNullSchema,
  isoTimeSchema,
} from '../../transports/http/json-values.js';
import { agentJson } from '../agents/agent-json.js';
import type { LiveAgent } from '../health/fleet-tracker.js';
import { connectivitySchema, healthSchema } from '../health/health-json.js';
import { Connectivity, CONNECTIVITY_VALUES, HEALTH_VALUES } from '../health/health-model.js';
import { GROUP_KIND_VALUES, type Group } from './group.js';
import type { GroupMember } from './group-store.js';
import type { GroupSummary } from './group-service.js';
import type { MembersAdded, MembersRemoved } from './member-edits.js';

const labelMap = z.record(z.string(), z.string());

export const groupJsonSchema = z.strictObject({
  id: z.string().describe('Server-generated, time-ordered'),
  name: z.string(),
  description: z.string(),
  kind: z.enum(GROUP_KIND_VALUES as ['static', 'dynamic']),
  selector: labelMap.nullable().describe('Dynamic groups: the labels every member carries; null for static'),
  priority: z
    .number()
    .int()
    .describe("-1000..1000; an agent's groups are applied highest first, ties by id (older first)"),
  createdAt: isoTimeSchema,
  createdBy: z.string(),
  updatedAt: isoTimeSchema,
  updatedBy: z.string(),
  revision: z.number().int().describe('The ETag; membership changes do not bump it'),
});
export type GroupJson = z.output<typeof groupJsonSchema>;

export function groupJson(group: Group): GroupJson {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    kind: group.kind,
    selector: group.selector === null ? null : { ...group.selector },
    priority: group.priority,
    createdAt: isoTime(group.createdAt),
    createdBy: group.createdBy,
    updatedAt: isoTime(group.updatedAt),
    updatedBy: group.updatedBy,
    revision: group.revision,
  };
}

export const groupMemberJsonSchema = z.strictObject({
  agentId: z.string(),
  name: z.string(),
  hostname: z.string(),
  status: connectivitySchema,
  health: healthSchema,
  labels: labelMap,
  connected: z.boolean(),
  addedAt: isoTimeOrNullSchema.describe('Static groups: when the agent was added; null for dynamic'),
  addedBy: z.string().nullable(),
});

export function groupMemberJson(member: GroupMember, live: LiveAgent | undefined) {
  const agent = agentJson(member.agent, live);
  return {
    agentId: agent.id,
    name: agent.name,
    hostname: agent.hostname,
    status: agent.status,
    health: agent.health,
    labels: agent.labels,
    connected: agent.connected,
    addedAt: isoTimeOrNull(member.addedAt),
    addedBy: member.addedBy,
  };
}

export const membersAddedJsonSchema = z.strictObject({
  groupId: z.string(),
  added: z.array(z.string()).describe('Newly added, in request order'),
  alreadyMembers: z.array(z.string()).describe('Named but already members; left as they were'),
});
export const membersAddedJson = (result: MembersAdded) => ({
  groupId: result.group.id,
  added: [...result.added],
  alreadyMembers: [...result.alreadyMembers],
});

export const membersRemovedJsonSchema = z.strictObject({
  groupId: z.string(),
  removed: z.array(z.string()),
  notMembers: z.array(z.string()).describe('Named but not members; nothing to do'),
});
export const membersRemovedJson = (result: MembersRemoved) => ({
  groupId: result.group.id,
  removed: [...result.removed],
  notMembers: [...result.notMembers],
});

const ENROLLED = CONNECTIVITY_VALUES.filter((status) => status !== Connectivity.Decommissioned);

export const groupSummaryJsonSchema = z.strictObject({
  groupId: z.string(),
  name: z.string(),
  kind: z.enum(GROUP_KIND_VALUES as ['static', 'dynamic']),
  members: z.number().int().describe('Enrolled members now'),
  byStatus: z.record(z.string(), z.number().int()).describe('Members by connectivity (stored state)'),
  byHealth: z.record(z.string(), z.number().int()).describe('Members by health (stored state)'),
  compliance: z
    .record(z.string(), z.number().int())
    .nullable()
    .describe('Members by compliance state, from the configuration feature; null until it reports'),
});

export function groupSummaryJson(summary: GroupSummary): z.output<typeof groupSummaryJsonSchema> {
  const zeros = (values: readonly string[]) => Object.fromEntries(values.map((v) => [v, 0]));
  return {
    groupId: summary.group.id,
    name: summary.group.name,
    kind: summary.group.kind,
    members: summary.total,
    byStatus: { ...zeros(ENROLLED), ...summary.byStatus },
    byHealth: { ...zeros(HEALTH_VALUES), ...summary.byHealth },
    compliance: summary.compliance === null ? null : { ...summary.compliance },
  };
}
