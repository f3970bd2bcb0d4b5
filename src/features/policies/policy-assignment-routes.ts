// Admin API routes for policy assignments: BulkAssignPolicy (agents and/or
// groups, all or nothing, a result per target), unassign from one agent or
// group, list a policy's assignments (paged), and GetAgentPolicies (an agent's
// direct assignments and its effective set with the set's digest). Registered
// by policyRoutes.
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
  agentPoliciesJson,
  agentPoliciesJsonSchema,
  assignmentJson,
  assignmentJsonSchema,
  bulkAssignJson,
  bulkAssignJsonSchema,
} from './policy-json.js';
const POLICY_TAGS = ['policies'];
import { assignmentBodySchema } from './policy-targets.js';

const agentTargetParams = idParams.extend({ agentId: resourceIdSchema });
const groupTargetParams = idParams.extend({ groupId: resourceIdSchema });

export async function policyAssignmentRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const policies = deps.services.policies;
  addRoute(app, {
    method: 'POST',
    url: '/policies/:id/assignments',
    role: Role.Operator,
    summary: 'Assign a security policy to agents and groups',
    description:
      'BulkAssignPolicy (one agent id is AssignPolicyToAgent). Every target is checked first: an agent that is not enrolled (or is decommissioned) or a group that does not exist refuses the whole request with 400 naming it (`agentIds.3`). Then all are stored at once; each target reports assigned or already_assigned. Repeating a request changes nothing.',
    tags: POLICY_TAGS,
    params: idParams,
    body: assignmentBodySchema,
    responses: { 200: { description: 'One result per target', schema: bulkAssignJsonSchema } },
    problems: [404],
    handler: async ({ params, body, context }) =>
      bulkAssignJson(await policies.assign(context, params.id, body)),
  });
  addRoute(app, {
    method: 'GET',
    url: '/policies/:id/assignments',
    role: Role.Viewer,
    summary: "List a security policy's assignments",
    description: 'Agents first, then groups, each by id.',
    tags: POLICY_TAGS,
    params: idParams,
    query: z.strictObject(pageQueryShape),
    responses: { 200: { description: 'A page of assignments', schema: pageOf(assignmentJsonSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      const filter = { policyId: params.id };
      const { afterId, limit } = pageRequest(query, filter);
      const page = await policies.listAssignments(params.id, {
        limit,
        ...(afterId === undefined ? {} : { afterKey: afterId }),
      });
      return pageResponse({ items: page.items, nextAfterId: page.nextAfterKey }, filter, assignmentJson);
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/policies/:id/assignments/agents/:agentId',
    role: Role.Operator,
    summary: 'Unassign a security policy from an agent',
    description:
      'UnassignPolicyFromAgent. The agent keeps the policy if one of its groups has it. 404 when it was not assigned.',
    tags: POLICY_TAGS,
    params: agentTargetParams,
    responses: { 204: { description: 'Unassigned' } },
    problems: [404],
    handler: async ({ params, context, reply }) => {
      await policies.unassign(context, params.id, { kind: 'agent', id: params.agentId });
      return reply.code(204).send();
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/policies/:id/assignments/groups/:groupId',
    role: Role.Operator,
    summary: 'Unassign a security policy from a group',
    description: '404 when it was not assigned.',
    tags: POLICY_TAGS,
    params: groupTargetParams,
    responses: { 204: { description: 'Unassigned' } },
    problems: [404],
    handler: async ({ params, context, reply }) => {
      await policies.unassign(context, params.id, { kind: 'group', id: params.groupId });
      return reply.code(204).send();
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/policies',
    role: Role.Viewer,
    summary: "An agent's security policies",
    description:
      "GetAgentPolicies: the policies assigned to the agent itself, and its effective set (its own and its groups' policies, each once at its current version, in the order agents apply them) with the digest the agent is expected to report.",
    tags: POLICY_TAGS,
    params: idParams,
    responses: { 200: { description: 'Direct and effective policies', schema: agentPoliciesJsonSchema } },
    problems: [404],
    handler: async ({ params }) => {
      const { direct, effective } = await policies.agentPolicies(params.id);
      return agentPoliciesJson(params.id, direct, effective);
    },
  });
}
