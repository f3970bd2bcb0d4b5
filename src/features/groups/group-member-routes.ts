// Admin API routes for group membership: list a group's members (paged), add
// agents to a static group, remove them (in bulk, or one by path), the group's
// summary, and an agent's groups in the order they apply (GetAgentGroups).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import {
  addRoute,
  idParams,
  resourceIdSchema,
  type RouteDependencies,
} from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import {
  groupJson,
  groupJsonSchema,
  groupMemberJson,
  groupMemberJsonSchema,
  groupSummaryJson,
  groupSummaryJsonSchema,
  membersAddedJson,
  membersAddedJsonSchema,
  membersRemovedJson,
  membersRemovedJsonSchema,
} from './group-json.js';
import { MAX_MEMBERS_PER_REQUEST, memberListSchema } from './member-edits.js';

const TAGS = ['groups'];
const memberParams = z.strictObject({ id: resourceIdSchema, agentId: resourceIdSchema });
const membersQuery = z.strictObject({ ...pageQueryShape });
const STATIC_ONLY = 'Static groups only: a dynamic group refuses with 412 (its members follow its selector).';

export function addMemberRoutes(app: FastifyInstance, { services }: RouteDependencies): void {
  const groups = services.groups;
  addRoute(app, {
    method: 'GET',
    url: '/groups/:id/members',
    role: Role.Viewer,
    summary: "List a group's members",
    description:
      'Enrolled agents only, by agent id. For a dynamic group, the agents whose labels match its selector now. Status and health are live when this instance holds the agent.',
    tags: TAGS,
    params: idParams,
    query: membersQuery,
    responses: { 200: { description: 'A page of members', schema: pageOf(groupMemberJsonSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      const filter = { groupId: params.id };
      const page = await groups.membersOf(params.id, pageRequest(query, filter));
      return pageResponse(page, filter, (member) =>
        groupMemberJson(member, services.tracker.get(member.agent.id)),
      );
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/groups/:id/members',
    role: Role.Operator,
    summary: 'Add agents to a static group',
    description: `Up to ${MAX_MEMBERS_PER_REQUEST} agent ids; unknown or decommissioned agents are refused, each named by its index (agentIds.N), and nothing is added. Agents already in the group are reported, not refused. A static group holds at most 10,000 agents. ${STATIC_ONLY}`,
    tags: TAGS,
    params: idParams,
    body: memberListSchema,
    responses: { 200: { description: 'What changed', schema: membersAddedJsonSchema } },
    problems: [404, 412],
    handler: async ({ params, body, context }) =>
      membersAddedJson(await groups.addMembers(context, params.id, body)),
  });
  addRoute(app, {
    method: 'POST',
    url: '/groups/:id/members/remove',
    role: Role.Operator,
    summary: 'Remove agents from a static group',
    description: `Up to ${MAX_MEMBERS_PER_REQUEST} agent ids; ids that are not members are reported, not refused. ${STATIC_ONLY}`,
    tags: TAGS,
    params: idParams,
    body: memberListSchema,
    responses: { 200: { description: 'What changed', schema: membersRemovedJsonSchema } },
    problems: [404, 412],
    handler: async ({ params, body, context }) =>
      membersRemovedJson(await groups.removeMembers(context, params.id, body)),
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/groups/:id/members/:agentId',
    role: Role.Operator,
    summary: 'Remove one agent from a static group',
    description: `404 when the agent is not a member. ${STATIC_ONLY}`,
    tags: TAGS,
    params: memberParams,
    responses: { 204: { description: 'Removed' } },
    problems: [404, 412],
    handler: async ({ params, context, reply }) => {
      await groups.removeMembers(context, params.id, { agentIds: [params.agentId] }, { single: true });
      return reply.code(204).send();
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/groups/:id/summary',
    role: Role.Viewer,
    summary: "A group's health summary",
    description:
      'Member count, and members by connectivity and by health, from the stored state (which trails live heartbeats by at most HEARTBEAT_FLUSH_INTERVAL), in one grouped query. `compliance` stays null until the configuration feature reports it.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The summary', schema: groupSummaryJsonSchema } },
    problems: [404],
    handler: async ({ params }) => groupSummaryJson(await groups.summary(params.id)),
  });
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/groups',
    role: Role.Viewer,
    summary: "An agent's groups",
    description:
      'Static memberships and matching dynamic groups, in the order their configuration and policies apply: the first wins (priority descending, then id ascending). A decommissioned agent is in no group.',
    tags: ['agents', ...TAGS],
    params: idParams,
    responses: {
      200: {
        description: 'The groups, the winner first',
        schema: z.strictObject({ agentId: z.string(), items: z.array(groupJsonSchema) }),
      },
    },
    problems: [404],
    handler: async ({ params }) => {
      const agent = await services.agents.get(params.id);
      return { agentId: agent.id, items: (await groups.groupsOf(agent.id)).map(groupJson) };
    },
  });
}
