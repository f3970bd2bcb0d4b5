// The OpenAPI document: valid JSON, OpenAPI 3.1.0, both security schemes, and
// every registered route listed with a summary, tags, security, a 2xx schema
// and the shared Problem schema for errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { silentLogger } from '../../shared/logger.js';
import { createHttpServer } from './http-server.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string; type?: string } }> }>;
}

let t: TestServices;
let document: {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};
const registered = new Set<string>();

beforeAll(async () => {
  t = await openTestServices();
  const app = createHttpServer({
    services: t.services,
    logger: silentLogger,
    rateLimitPerMinute: 100,
    version: '1.2.3',
  });
  // Plugins load at ready(), so this hook sees every route the server registers.
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat())
      if (!hidden && method !== 'HEAD') registered.add(`${method} ${route.url}`);
  });
  await app.ready();
  const response = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  expect(response.statusCode).toBe(200);
  document = JSON.parse(response.body);
  await app.close();
});
afterAll(() => t.close());

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      operation,
    })),
  );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1.0 for the Corral Admin API with both key schemes', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Corral Admin API', version: '1.2.3' });
    expect(document.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(document.components.schemas.Problem).toBeDefined();
  });

  it('lists exactly the routes the server registers', () => {
    expect(new Set(operations().map((o) => o.key))).toEqual(registered);
  });

  it('lists every route of the admin API contract', () => {
    const contract = [
      'GET /api/v1/agents',
      'GET /api/v1/agents/:id',
      'PATCH /api/v1/agents/:id',
      'DELETE /api/v1/agents/:id',
      'GET /api/v1/agents/:id/health',
      'GET /api/v1/agents/:id/metrics',
      'GET /api/v1/agents/:id/sessions',
      'GET /api/v1/fleet/statistics',
      'GET /api/v1/sessions',
      'DELETE /api/v1/sessions/:id',
      'POST /api/v1/enrollment-secrets',
      'GET /api/v1/enrollment-secrets',
      'GET /api/v1/enrollment-secrets/:id',
      'DELETE /api/v1/enrollment-secrets/:id',
      'POST /api/v1/api-keys',
      'GET /api/v1/api-keys',
      'DELETE /api/v1/api-keys/:id',
      'GET /api/v1/events',
      'GET /api/v1/audit',
      'GET /api/v1/status',
      'GET /api/v1/instances',
      'POST /api/v1/instances/:instanceId/drain',
      'POST /api/v1/instances/:instanceId/resume',
      'POST /api/v1/commands',
      'GET /api/v1/commands',
      'GET /api/v1/commands/:id',
      'POST /api/v1/commands/:id/cancel',
      'POST /api/v1/commands/emergency',
      'GET /api/v1/commands/stats',
      'GET /api/v1/command-types',
      'POST /api/v1/command-types',
      'GET /api/v1/command-types/:name',
      'PUT /api/v1/command-types/:name',
      'DELETE /api/v1/command-types/:name',
      'GET /api/v1/policies',
      'POST /api/v1/policies',
      'GET /api/v1/policies/:id',
      'PUT /api/v1/policies/:id',
      'DELETE /api/v1/policies/:id',
      'GET /api/v1/policies/:id/versions',
      'GET /api/v1/policies/:id/versions/:version',
      'POST /api/v1/policies/:id/assignments',
      'GET /api/v1/policies/:id/assignments',
      'DELETE /api/v1/policies/:id/assignments/agents/:agentId',
      'DELETE /api/v1/policies/:id/assignments/groups/:groupId',
      'GET /api/v1/agents/:id/policies',
      'POST /api/v1/groups',
      'GET /api/v1/groups',
      'GET /api/v1/groups/:id',
      'PATCH /api/v1/groups/:id',
      'DELETE /api/v1/groups/:id',
      'GET /api/v1/groups/:id/members',
      'POST /api/v1/groups/:id/members',
      'POST /api/v1/groups/:id/members/remove',
      'DELETE /api/v1/groups/:id/members/:agentId',
      'GET /api/v1/groups/:id/summary',
      'GET /api/v1/agents/:id/groups',
      'GET /api/v1/agents/:id/commands',
      'GET /api/v1/configuration/fleet',
      'PUT /api/v1/configuration/fleet',
      'GET /api/v1/groups/:id/configuration',
      'PUT /api/v1/groups/:id/configuration',
      'GET /api/v1/agents/:id/configuration',
      'GET /api/v1/agents/:id/configuration/layer',
      'PUT /api/v1/agents/:id/configuration/layer',
      'POST /api/v1/configuration/bulk',
      'GET /api/v1/configuration/revisions',
      'GET /api/v1/configuration/revisions/:id',
      'GET /api/v1/configuration/diff',
      'GET /api/v1/compliance',
      'GET /api/v1/groups/:id/compliance',
      'POST /api/v1/backups',
      'GET /api/v1/backups',
      'GET /api/v1/backups/:id',
      'GET /api/v1/backups/:id/download',
      'GET /api/v1/backups/:id/diff',
      'POST /api/v1/backups/:id/restore',
      'POST /api/v1/backups/restore',
      'GET /api/v1/state/export',
      'POST /api/v1/state/import',
      'GET /api/commands',
      'GET /api/commands/:id',
      'PUT /api/commands/:id/cancel',
      'GET /api/status',
      'POST /api/admin/maintenance',
      'GET /api/agents',
      'GET /api/agents/:id',
      'GET /livez',
      'GET /readyz',
      'GET /api/v1/openapi.json',
    ];
    expect([...registered].sort()).toEqual(expect.arrayContaining(contract));
  });

  it('gives every operation a summary, tags, a security requirement and a 2xx response', () => {
    for (const { key, operation } of operations()) {
      expect(operation.summary, key).toBeTruthy();
      expect(operation.tags?.length, key).toBeGreaterThan(0);
      expect(operation.security, key).toBeDefined();
      expect(
        Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2')),
        key,
      ).toBe(true);
    }
  });

  it('requires a key on every /api route and documents its errors as Problem', () => {
    for (const { key, operation } of operations().filter(
      (o) => o.key.includes(' /api/') && !o.key.endsWith('openapi.json'),
    )) {
      expect(operation.security, key).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
      for (const status of ['400', '401', '403', '429', '500']) {
        expect(
          operation.responses?.[status]?.content?.['application/problem+json']?.schema?.$ref,
          `${key} ${status}`,
        ).toBe('#/components/schemas/Problem');
      }
    }
  });

  it("documents request bodies from the services' own schemas", () => {
    const body = (
      document.paths['/api/v1/enrollment-secrets']?.post as {
        requestBody?: {
          content: Record<
            string,
            { schema: { properties: Record<string, unknown>; additionalProperties: boolean } }
          >;
        };
      }
    ).requestBody;
    const schema = body?.content['application/json']?.schema;
    expect(Object.keys(schema?.properties ?? {})).toEqual([
      'name',
      'groupId',
      'maxUses',
      'expiresAt',
      'ttlSeconds',
    ]);
    expect(schema?.additionalProperties).toBe(false);
  });
});
