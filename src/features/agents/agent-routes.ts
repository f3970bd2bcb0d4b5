// Admin API routes for agents: list with filters, read (with ETag), patch
// metadata (If-Match), unregister. The seed's GET /api/agents and
// /api/agents/:id reuse the same route specs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../app/services.js';
import { ErrorCode, invalidArgument, isCorralError } from '../../shared/errors.js';
import { pageOf } from '../../transports/http/json-values.js';
import { etagOf, ifMatchHeaders, ifMatchRevision } from '../../transports/http/conditional.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import {
  addRoute,
  idParams,
  resourceIdSchema,
  type RouteDependencies,
  type RouteSpec,
} from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import { CONNECTIVITY_VALUES, HEALTH_VALUES } from '../health/health-model.js';
import { agentMetadataPatchSchema } from './agent.js';
import { agentJson, agentJsonSchema } from './agent-json.js';
import { AGENT_SORT_FIELDS, type AgentFilter, type AgentSort } from './agent-store.js';
import { labelSelectorSchema } from './label-selector.js';
import { commaList } from '../../transports/http/query-params.js';

const TAGS = ['agents'];

const text = (max: number, description: string) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).describe(description);

export const listAgentsQuery = z.strictObject({
  status: commaList(CONNECTIVITY_VALUES).optional(),
  health: commaList(HEALTH_VALUES).optional(),
  type: text(64, 'Exact agent type').optional(),
  version: text(64, 'Exact agent version').optional(),
  capability: text(64, 'Agents that have this capability').optional(),
  label: labelSelectorSchema.optional(),
  q: text(128, 'Substring of id, name or hostname').optional(),
  group: resourceIdSchema.optional().describe("Members of this group (a dynamic group's by its selector)"),
  sort: z
    .enum(AGENT_SORT_FIELDS, { error: `must be one of ${AGENT_SORT_FIELDS.join(', ')}` })
    .optional()
    .describe('Order by this field, then by id (default id)'),
  order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).optional().describe('Default asc'),
  ...pageQueryShape,
});

/** A group as a listing filter; an unknown group is a bad filter (400), not a missing agent list. */
async function groupFilter(services: Services, groupId: string): Promise<NonNullable<AgentFilter['group']>> {
  try {
    const group = await services.groups.get(groupId);
    return group.selector === null ? { staticGroupId: group.id } : { selector: group.selector };
  } catch (error) {
    if (isCorralError(error) && error.code === ErrorCode.NotFound)
      throw invalidArgument('invalid query parameters', [{ field: 'group', description: 'no such group' }]);
    throw error;
  }
}

const agentIfMatch = ifMatchHeaders(
  '"<revision>" from the ETag; the update fails with 412 when the agent changed since',
);

const listAgents = ({ services }: RouteDependencies): RouteSpec<z.ZodType, typeof listAgentsQuery> => ({
  method: 'GET',
  url: '/agents',
  role: Role.Viewer,
  summary: 'List agents',
  description:
    'Filters combine with AND and match the stored state, which trails live heartbeats by at most HEARTBEAT_FLUSH_INTERVAL; the values shown are live, as in GET /agents/{id}.',
  tags: TAGS,
  query: listAgentsQuery,
  responses: { 200: { description: 'A page of agents', schema: pageOf(agentJsonSchema) } },
  handler: async ({ query }) => {
    const filter: AgentFilter = {
      status: query.status,
      health: query.health,
      type: query.type,
      version: query.version,
      capability: query.capability,
      labels: query.label,
      search: query.q,
      ...(query.group === undefined ? {} : { group: await groupFilter(services, query.group) }),
    };
    const sort: AgentSort = { field: query.sort ?? 'id', order: query.order ?? 'asc' };
    // The token is bound to what the request asked for (the group by id, the sort), not to what it resolved to.
    const bound = { ...filter, group: query.group, sort };
    const page = await services.agents.list(filter, { ...pageRequest(query, bound), sort });
    return pageResponse(page, bound, (agent) => agentJson(agent, services.tracker.get(agent.id)));
  },
});

const getAgent = ({ services }: RouteDependencies): RouteSpec<typeof idParams, z.ZodType> => ({
  method: 'GET',
  url: '/agents/:id',
  role: Role.Viewer,
  summary: 'Get an agent',
  description:
    'Live status and health from this instance when it holds the agent. The ETag is `"<revision>"`.',
  tags: TAGS,
  params: idParams,
  responses: { 200: { description: 'The agent', schema: agentJsonSchema } },
  problems: [404],
  handler: async ({ params, reply }) => {
    const agent = await services.agents.get(params.id);
    reply.header('etag', etagOf(agent.revision));
    return agentJson(agent, services.tracker.get(agent.id));
  },
});

export async function agentRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { services } = deps;
  addRoute(app, listAgents(deps));
  addRoute(app, getAgent(deps));
  addRoute(app, {
    method: 'PATCH',
    url: '/agents/:id',
    role: Role.Operator,
    summary: "Change an agent's name or labels",
    description:
      'Labels, when given, replace the whole label set. Send If-Match with the ETag to avoid overwriting a concurrent change.',
    tags: TAGS,
    params: idParams,
    headers: agentIfMatch,
    body: agentMetadataPatchSchema,
    responses: { 200: { description: 'The updated agent', schema: agentJsonSchema } },
    problems: [404, 412],
    handler: async ({ params, body, context, request, reply }) => {
      const updated = await services.agents.updateMetadata(
        context,
        params.id,
        body,
        ifMatchRevision(request.headers['if-match'], 'agent'),
      );
      reply.header('etag', etagOf(updated.revision));
      return agentJson(updated, services.tracker.get(updated.id));
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/agents/:id',
    role: Role.Operator,
    summary: 'Unregister (decommission) an agent',
    description: 'Ends its sessions, drops its credential and closes its stream. It may enroll again later.',
    tags: TAGS,
    params: idParams,
    responses: { 204: { description: 'Unregistered' } },
    problems: [404],
    handler: async ({ params, context, reply }) => {
      await services.agents.unregister(context, params.id);
      return reply.code(204).send();
    },
  });
}

/** The seed's read-only agent routes under /api; same handlers and roles as /api/v1. */
export async function seedAgentRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  addRoute(app, {
    ...listAgents(deps),
    deprecated: true,
    summary: 'List agents (seed path; use /api/v1/agents)',
  });
  addRoute(app, {
    ...getAgent(deps),
    deprecated: true,
    summary: 'Get an agent (seed path; use /api/v1/agents/{id})',
  });
}
