// Admin API route for the event log: filter by type, subject and time, newest
// first by default.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidArgument } from '../../shared/errors.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { commaList, isoTimeQuery } from '../../transports/http/query-params.js';
import { addRoute, resourceIdSchema, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import { EVENT_TYPES, eventJson, eventJsonSchema } from './event-json.js';
import type { EventFilter } from './event-store.js';

/** An ISO-8601 time with an offset, as epoch milliseconds. */
const listQuery = z.strictObject({
  type: commaList(EVENT_TYPES, 'event types').optional(),
  subjectId: resourceIdSchema.optional().describe('Events about this agent, session, secret or key'),
  since: isoTimeQuery('Events at or after this time').optional(),
  until: isoTimeQuery('Events before this time').optional(),
  order: z
    .enum(['asc', 'desc'], { error: 'must be asc or desc' })
    .optional()
    .describe('By time; default desc (newest first)'),
  ...pageQueryShape,
});

export async function eventRoutes(app: FastifyInstance, { services }: RouteDependencies): Promise<void> {
  addRoute(app, {
    method: 'GET',
    url: '/events',
    role: Role.Viewer,
    summary: 'List events',
    tags: ['events'],
    query: listQuery,
    responses: { 200: { description: 'A page of events', schema: pageOf(eventJsonSchema) } },
    handler: async ({ query }) => {
      if (query.since !== undefined && query.until !== undefined && query.until <= query.since) {
        throw invalidArgument('invalid query parameters', [
          { field: 'until', description: 'must be after since' },
        ]);
      }
      const filter: EventFilter = {
        types: query.type,
        subjectId: query.subjectId,
        since: query.since,
        until: query.until,
      };
      const order = query.order ?? 'desc';
      const page = await services.events.list(filter, { ...pageRequest(query, { ...filter, order }), order });
      return pageResponse(page, { ...filter, order }, eventJson);
    },
  });
}
