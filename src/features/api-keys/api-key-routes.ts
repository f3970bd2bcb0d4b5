// Admin API routes for API keys: create (the key is returned once;
// Idempotency-Key supported), list, revoke (admin role only), and GET /me, which
// tells any key's holder its own name and role (the dashboard's sign-in).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role, type ApiKey } from './api-key.js';
import {
  apiKeyJson,
  apiKeyJsonSchema,
  createdApiKeyJsonSchema,
  principalJson,
  principalJsonSchema,
} from './api-key-json.js';
import { createApiKeySchema } from './api-key-service.js';

const TAGS = ['api keys'];

export async function apiKeyRoutes(
  app: FastifyInstance,
  { services, idempotency }: RouteDependencies,
): Promise<void> {
  const json = (key: ApiKey) => apiKeyJson(key, services.clock.now());

  addRoute(app, {
    method: 'GET',
    url: '/me',
    role: Role.Viewer,
    summary: 'Who the presented API key belongs to',
    description:
      'The name and role of the key that signs this request; what the dashboard shows and enables.',
    tags: TAGS,
    responses: { 200: { description: 'The caller', schema: principalJsonSchema } },
    handler: async ({ context }) => principalJson(context.principal),
  });
  addRoute(app, {
    method: 'POST',
    url: '/api-keys',
    role: Role.Admin,
    summary: 'Create an API key',
    description:
      'The response carries the key; it is not shown again. A replay under the same Idempotency-Key returns the same key.',
    tags: TAGS,
    headers: idempotencyHeaders,
    body: createApiKeySchema,
    responses: { 201: { description: 'Created; the key is in `key`', schema: createdApiKeyJsonSchema } },
    problems: [422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent({ store: idempotency, route: 'POST /api-keys', context, request, reply }, async () => {
        const created = await services.apiKeys.create(context, body);
        return { status: 201, body: { ...json(created.record), key: created.key } };
      }),
  });
  addRoute(app, {
    method: 'GET',
    url: '/api-keys',
    role: Role.Admin,
    summary: 'List API keys',
    tags: TAGS,
    query: z.strictObject({ ...pageQueryShape }),
    responses: { 200: { description: 'A page of API keys', schema: pageOf(apiKeyJsonSchema) } },
    handler: async ({ query }) => pageResponse(await services.apiKeys.list(pageRequest(query, {})), {}, json),
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/api-keys/:id',
    role: Role.Admin,
    summary: 'Revoke an API key',
    description: 'Takes effect at once on this instance (other instances within 30 s, their cache lifetime).',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The revoked API key', schema: apiKeyJsonSchema } },
    problems: [404],
    handler: async ({ params, context }) => json(await services.apiKeys.revoke(context, params.id)),
  });
}
