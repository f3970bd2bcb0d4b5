// Admin API routes for the fleet as a whole: statistics and system status
// (also at the seed's GET /api/status).
import type { FastifyInstance } from 'fastify';
import { addRoute, type RouteDependencies, type RouteSpec } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import { maintenanceRequestSchema } from './maintenance-mode.js';
import {
  fleetStatisticsJson,
  fleetStatisticsJsonSchema,
  systemStatusJson,
  systemStatusJsonSchema,
  maintenanceJson,
  maintenanceJsonSchema,
} from './fleet-json.js';

const getStatus = ({ services }: RouteDependencies): RouteSpec => ({
  method: 'GET',
  url: '/status',
  role: Role.Viewer,
  summary: 'Get the status of this instance, its backends and the fleet',
  tags: ['status'],
  responses: { 200: { description: 'Status', schema: systemStatusJsonSchema } },
  handler: async () => systemStatusJson(await services.status.status()),
});

export async function fleetRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  addRoute(app, {
    method: 'GET',
    url: '/fleet/statistics',
    role: Role.Viewer,
    summary: 'Count agents by status, health, type and version',
    tags: ['fleet'],
    responses: { 200: { description: 'Statistics', schema: fleetStatisticsJsonSchema } },
    handler: async () => fleetStatisticsJson(await deps.services.agents.statistics()),
  });
  addRoute(app, getStatus(deps));
}

/** The seed's POST /api/admin/maintenance: switch maintenance mode (admin only, audited). */
export async function seedMaintenanceRoutes(
  app: FastifyInstance,
  { services }: RouteDependencies,
): Promise<void> {
  addRoute(app, {
    method: 'POST',
    url: '/admin/maintenance',
    role: Role.Admin,
    summary: 'Switch maintenance mode on or off',
    description: 'While on, commands other than emergencies stay queued; switching it off releases them.',
    tags: ['status'],
    body: maintenanceRequestSchema,
    responses: { 200: { description: 'Maintenance mode as it is now', schema: maintenanceJsonSchema } },
    problems: [400],
    handler: async ({ body, context }) => maintenanceJson(await services.maintenance.set(context, body)),
  });
}

/** The seed's GET /api/status; same handler and role as /api/v1/status. */
export async function seedStatusRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  addRoute(app, {
    ...getStatus(deps),
    deprecated: true,
    summary: 'Get status (seed path; use /api/v1/status)',
  });
}
