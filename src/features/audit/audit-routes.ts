// Admin API route for the audit log: who changed what, and how it ended.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { addRoute, resourceIdSchema, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import { isoTimeQuery } from '../../transports/http/query-params.js';
import type { AuditFilter } from './audit-entry.js';
import { auditEntryJson, auditEntryJsonSchema } from './audit-json.js';

const listQuery = z.strictObject({
  actor: z.string().min(1).max(160).optional().describe('api_key:<id> or system'),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, 'must be a dotted action such as agent.update')
    .optional(),
  targetId: resourceIdSchema.optional(),
  outcome: z.enum(['success', 'failure'], { error: 'must be success or failure' }).optional(),
  since: isoTimeQuery('Entries at or after this time').optional(),
  ...pageQueryShape,
});

export async function auditRoutes(app: FastifyInstance, { services }: RouteDependencies): Promise<void> {
  addRoute(app, {
    method: 'GET',
    url: '/audit',
    role: Role.Viewer,
    summary: 'List audit entries',
    tags: ['audit'],
    query: listQuery,
    responses: { 200: { description: 'A page of audit entries', schema: pageOf(auditEntryJsonSchema) } },
    handler: async ({ query }) => {
      const filter: AuditFilter = {
        actor: query.actor,
        action: query.action,
        targetId: query.targetId,
        outcome: query.outcome,
        since: query.since,
      };
      return pageResponse(
        await services.audit.list(filter, pageRequest(query, filter)),
        filter,
        auditEntryJson,
      );
    },
  });
}
