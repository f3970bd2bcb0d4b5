// Admin API routes for the fleet as a whole: statistics, system status (also at
// the seed's GET /api/status) and the fleet's maintenance switch (also at the
// seed's POST /api/admin/maintenance).
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
  addRoute(app, {
    method: 'GET',
    url: '/maintenance',
    role: Role.Viewer,
    summary: 'Get the fleet maintenance mode',
    tags: ['status'],
    responses: { 200: { description: 'Maintenance mode as it is now', schema: maintenanceJsonSchema } },
    handler: async () => {
      await deps.services.maintenance.refresh();
      return maintenanceJson(deps.services.maintenance.current);
    },
  });
  addRoute(app, setMaintenance(deps));
}

const setMaintenance = ({ services }: RouteDependencies): RouteSpec => ({
  method: 'PUT',
  url: '/maintenance',
  role: Role.Admin,
  summary: 'Switch maintenance mode on or off for the whole fleet',
  description:
    'While on, commands other than emergencies stay queued on every instance; switching it off releases them. Audited.',
  tags: ['status'],
  body: maintenanceRequestSchema,
  responses: { 200: { description: 'Maintenance mode as it is now', schema: maintenanceJsonSchema } },
  problems: [400],
  handler: async ({ body, context }) => maintenanceJson(await services.maintenance.set(context, body)),
});

/** The seed's POST /api/admin/maintenance: the same as PUT /api/v1/maintenance. */
export async function seedMaintenanceRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  addRoute(app, {
    ...setMaintenance(deps),
    method: 'POST',
    url: '/admin/maintenance',
    deprecated: true,
    summary: 'Switch maintenance mode (seed path; use PUT /api/v1/maintenance)',
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
