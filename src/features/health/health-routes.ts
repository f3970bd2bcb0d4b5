// Admin API routes for one agent's health and recent metrics, preferring this
// instance's live memory over the last flushed row (HealthService).
import type { FastifyInstance } from 'fastify';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import {
  agentHealthJson,
  agentHealthJsonSchema,
  agentMetricsJson,
  agentMetricsJsonSchema,
} from './health-json.js';

const TAGS = ['agents'];

export async function healthRoutes(app: FastifyInstance, { services }: RouteDependencies): Promise<void> {
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/health',
    role: Role.Viewer,
    summary: "Get an agent's connectivity and health",
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'Health', schema: agentHealthJsonSchema } },
    problems: [404],
    handler: async ({ params }) => agentHealthJson(await services.health.health(params.id)),
  });
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/metrics',
    role: Role.Viewer,
    summary: "Get an agent's latest heartbeat and recent metrics",
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'Metrics', schema: agentMetricsJsonSchema } },
    problems: [404],
    handler: async ({ params }) => agentMetricsJson(await services.health.metrics(params.id)),
  });
}
