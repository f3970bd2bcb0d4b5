// Admin API routes for agent sessions: list (all, or one agent's) and
// terminate by id.
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
import { sessionJson, sessionJsonSchema } from './session-json.js';

const TAGS = ['sessions'];

const listQuery = z.strictObject({
  agentId: resourceIdSchema.optional().describe("Only this agent's sessions"),
  ...pageQueryShape,
});
const agentSessionsQuery = z.strictObject({ ...pageQueryShape });

export async function sessionRoutes(app: FastifyInstance, { services }: RouteDependencies): Promise<void> {
  const list = async (filter: { agentId?: string }, query: z.output<typeof agentSessionsQuery>) =>
    pageResponse(await services.sessions.list(filter, pageRequest(query, filter)), filter, sessionJson);

  addRoute(app, {
    method: 'GET',
    url: '/sessions',
    role: Role.Viewer,
    summary: 'List live agent sessions',
    tags: TAGS,
    query: listQuery,
    responses: { 200: { description: 'A page of sessions', schema: pageOf(sessionJsonSchema) } },
    handler: async ({ query }) => list(query.agentId === undefined ? {} : { agentId: query.agentId }, query),
  });
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/sessions',
    role: Role.Viewer,
    summary: "List an agent's sessions",
    tags: TAGS,
    params: idParams,
    query: agentSessionsQuery,
    responses: { 200: { description: 'A page of sessions', schema: pageOf(sessionJsonSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      await services.agents.get(params.id);
      return list({ agentId: params.id }, query);
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/sessions/:id',
    role: Role.Operator,
    summary: 'Terminate a session',
    description: 'The agent must authenticate again.',
    tags: TAGS,
    params: idParams,
    responses: { 204: { description: 'Terminated' } },
    problems: [404],
    handler: async ({ params, context, reply }) => {
      await services.sessions.terminateById(context, params.id);
      return reply.code(204).send();
    },
  });
}
