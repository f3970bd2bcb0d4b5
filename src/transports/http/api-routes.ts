// The authenticated part of the admin API, mounted at /api: every feature's
// routes under /v1, and the seed's /status, /agents and /commands (same handlers, same
// auth). Authentication is installed on this context only, so the probes, the
// OpenAPI document and the docs page stay open.
import type { FastifyInstance } from 'fastify';
import { agentRoutes, seedAgentRoutes } from '../../features/agents/agent-routes.js';
import { apiKeyRoutes } from '../../features/api-keys/api-key-routes.js';
import { auditRoutes } from '../../features/audit/audit-routes.js';
import { backupRoutes } from '../../features/backups/backup-routes.js';
import { commandRoutes, seedCommandRoutes } from '../../features/commands/command-routes.js';
import { commandTypeRoutes } from '../../features/commands/command-type-routes.js';
import { configurationRoutes } from '../../features/configuration/configuration-routes.js';
import { enrollmentRoutes } from '../../features/enrollment/enrollment-routes.js';
import { eventRoutes } from '../../features/events/event-routes.js';
import { fleetRoutes, seedMaintenanceRoutes, seedStatusRoutes } from '../../features/fleet/fleet-routes.js';
import { groupRoutes } from '../../features/groups/group-routes.js';
import { healthRoutes } from '../../features/health/health-routes.js';
import { instanceRoutes } from '../../features/instances/instance-routes.js';
import { policyRoutes } from '../../features/policies/policy-routes.js';
import { sessionRoutes } from '../../features/sessions/session-routes.js';
import { installAuthentication } from './auth.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';
import type { RouteDependencies } from './route-kit.js';

/** Bad keys one address may present per minute before it is refused with 429. */
export const FAILED_AUTHENTICATIONS_PER_MINUTE = 30;

export interface ApiRouteOptions extends RouteDependencies {
  /** Shared with the live channel, which authenticates its own way. */
  readonly failedAuth: FailedAuthLimiter;
}

export async function registerApiRoutes(api: FastifyInstance, deps: ApiRouteOptions): Promise<void> {
  installAuthentication(api, deps.services.apiKeys, deps.services.auditor, deps.failedAuth);
  const dependencies = { services: deps.services, idempotency: deps.idempotency };
  for (const plugin of [
    agentRoutes,
    healthRoutes,
    sessionRoutes,
    fleetRoutes,
    instanceRoutes,
    enrollmentRoutes,
    apiKeyRoutes,
    eventRoutes,
    auditRoutes,
    commandRoutes,
    commandTypeRoutes,
    policyRoutes,
    groupRoutes,
    configurationRoutes,
    backupRoutes,
  ]) {
    await api.register(plugin, { ...dependencies, prefix: '/v1' });
  }
  await api.register(seedAgentRoutes, dependencies);
  await api.register(seedStatusRoutes, dependencies);
  await api.register(seedMaintenanceRoutes, dependencies);
  await api.register(seedCommandRoutes, dependencies);
}
