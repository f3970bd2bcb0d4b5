// Admin API routes for enrollment secrets: create (the secret is returned once;
// Idempotency-Key supported), list, read, revoke.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageOf } from '../../transports/http/json-values.js';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import {
  createdEnrollmentSecretJsonSchema,
  enrollmentSecretJson,
  enrollmentSecretJsonSchema,
} from './enrollment-secret-json.js';
import { createEnrollmentSecretSchema } from './enrollment-service.js';

const TAGS = ['enrollment secrets'];

export async function enrollmentRoutes(
  app: FastifyInstance,
  { services, idempotency }: RouteDependencies,
): Promise<void> {
  const json = (secret: Parameters<typeof enrollmentSecretJson>[0]) =>
    enrollmentSecretJson(secret, services.enrollment.state(secret));

  addRoute(app, {
    method: 'POST',
    url: '/enrollment-secrets',
    role: Role.Operator,
    summary: 'Create an enrollment secret',
    description:
      'The response carries the secret; it is not shown again. A replay under the same Idempotency-Key returns the same secret.',
    tags: TAGS,
    headers: idempotencyHeaders,
    body: createEnrollmentSecretSchema,
    responses: {
      201: { description: 'Created; the secret is in `secret`', schema: createdEnrollmentSecretJsonSchema },
    },
    problems: [422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent(
        { store: idempotency, route: 'POST /enrollment-secrets', context, request, reply },
        async () => {
          const created = await services.enrollment.create(context, body);
          return { status: 201, body: { ...json(created.record), secret: created.secret } };
        },
      ),
  });
  addRoute(app, {
    method: 'GET',
    url: '/enrollment-secrets',
    role: Role.Viewer,
    summary: 'List enrollment secrets',
    tags: TAGS,
    query: z.strictObject({ ...pageQueryShape }),
    responses: {
      200: { description: 'A page of enrollment secrets', schema: pageOf(enrollmentSecretJsonSchema) },
    },
    handler: async ({ query }) =>
      pageResponse(await services.enrollment.list(pageRequest(query, {})), {}, json),
  });
  addRoute(app, {
    method: 'GET',
    url: '/enrollment-secrets/:id',
    role: Role.Viewer,
    summary: 'Get an enrollment secret (without the secret)',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The enrollment secret', schema: enrollmentSecretJsonSchema } },
    problems: [404],
    handler: async ({ params }) => json(await services.enrollment.get(params.id)),
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/enrollment-secrets/:id',
    role: Role.Operator,
    summary: 'Revoke an enrollment secret',
    description: 'Agents can no longer enroll with it; agents that did stay enrolled.',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The revoked enrollment secret', schema: enrollmentSecretJsonSchema } },
    problems: [404],
    handler: async ({ params, context }) => json(await services.enrollment.revoke(context, params.id)),
  });
}
