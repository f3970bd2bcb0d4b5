// The OpenAPI 3.1 document (@fastify/swagger, built from the route specs) at
// /api/v1/openapi.json, and the Swagger UI docs page at /api/v1/docs served
// from @fastify/swagger-ui's own static files (no CDN). Both need no key.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaOf } from './route-kit.js';
import { problemSchema } from './problem.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';
export const DOCS_PATH = '/api/v1/docs';

/**
 * The docs page's own CSP (helmet's strict API policy would block it): only
 * same-origin scripts and styles. Unlike the plugin's default it leaves out
 * upgrade-insecure-requests, which would break the page on plain-HTTP installs.
 */
const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self'; frame-ancestors 'self'";

/** Must be registered before the plugins that hold the documented routes. */
export function registerOpenApi(app: FastifyInstance, version: string): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Corral Admin API',
        version,
        description:
          'Admin API of Corral, the control plane for fleets of security agents. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
        schemas: { Problem: jsonSchemaOf(problemSchema, 'output') as never },
      },
    },
  });
  app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    staticCSP: DOCS_CSP,
    uiConfig: { persistAuthorization: false },
  });
  app.register(async (meta) => {
    meta.get(
      OPENAPI_PATH,
      {
        schema: {
          summary: 'This OpenAPI document',
          tags: ['meta'],
          security: [],
          response: { 200: { description: 'OpenAPI 3.1 document', type: 'object' } },
        },
      },
      async (_request, reply) => reply.type('application/json').send(app.swagger()),
    );
  });
}
