// Admin API routes for configuration and compliance: the fleet's, a group's
// and an agent's layer (GET with an ETag, PUT with If-Match), an agent's
// desired / layered / applied configuration (GetAgentConfiguration), bulk
// updates (BulkUpdateAgentConfiguration), revision history and diffs, and
// compliance summaries for the fleet and a group.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { etagOf, ifMatchHeaders, ifMatchRevision } from '../../transports/http/conditional.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { invalidArgument, isCorralError } from '../../shared/errors.js';
import { Role } from '../api-keys/api-key.js';
import type { RequestContext } from '../audit/audited.js';
import { configurationLayerSchema } from './agent-configuration.js';
import {
  agentConfigurationJson,
  agentConfigurationJsonSchema,
  complianceJson,
  complianceJsonSchema,
  layerJson,
  layerJsonSchema,
  revisionJson,
  revisionJsonSchema,
} from './configuration-json.js';
import { bulkRequestSchema } from './configuration-service.js';
import type { ConfigScope } from './configuration-store.js';

const TAGS = ['configuration'];

const updateBodySchema = z.strictObject({
  document: configurationLayerSchema.describe(
    'The whole layer: fields left out are inherited from lower layers',
  ),
  reason: z.string().max(512).optional().describe('Recorded with the revision'),
});

const layerIfMatch = ifMatchHeaders(
  '"<revision>" from the ETag: the update fails with 412 if the layer changed since',
);

const revisionsQuery = z.strictObject({
  scope: z
    .string()
    .regex(
      /^(fleet|group:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}|agent:[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/,
      'must be fleet, group:<id> or agent:<id>',
    )
    .describe('Whose revisions: fleet, group:<id> or agent:<id>'),
  ...pageQueryShape,
});
const diffQuery = z.strictObject({
  from: z.string().min(1).describe('A revision id'),
  to: z.string().min(1).describe('A revision id'),
});

function scopeOf(text: string): ConfigScope {
  if (text === 'fleet') return { kind: 'fleet' };
  const [kind, ...rest] = text.split(':');
  if ((kind === 'group' || kind === 'agent') && rest.length > 0) return { kind, id: rest.join(':') };
  throw invalidArgument('invalid scope', [
    { field: 'scope', description: 'must be fleet, group:<id> or agent:<id>' },
  ]);
}

/** The revision If-Match names (undefined: any); a malformed header is refused with 412 and audited. */
async function expectedRevision(
  services: RouteDependencies['services'],
  context: RequestContext,
  scope: ConfigScope,
  header: string | string[] | undefined,
): Promise<number | undefined> {
  try {
    return ifMatchRevision(header, `${scope.kind} configuration`);
  } catch (error) {
    if (isCorralError(error))
      await services.auditor.refused(
        context,
        {
          action: 'configuration.update',
          targetKind: scope.kind,
          targetId: scope.kind === 'fleet' ? null : scope.id,
        },
        error.code,
      );
    throw error;
  }
}

/** GET and PUT for one scope's layer; `scope` maps the path parameters to it. */
function layerRoutes(
  app: FastifyInstance,
  { services }: RouteDependencies,
  url: string,
  what: string,
  scope: (params: { id?: string }) => ConfigScope,
): void {
  const params = url.includes(':id') ? idParams : undefined;
  addRoute(app, {
    method: 'GET',
    url,
    role: Role.Viewer,
    summary: `Get the ${what} configuration layer`,
    tags: TAGS,
    ...(params ? { params } : {}),
    responses: { 200: { description: 'The layer; ETag "<revision>"', schema: layerJsonSchema } },
    problems: [404],
    handler: async ({ params: p, reply }) => {
      const view = await services.configuration.getLayer(scope(p as { id?: string }));
      reply.header('etag', etagOf(view.revision));
      return layerJson(view);
    },
  });
  addRoute(app, {
    method: 'PUT',
    url,
    role: Role.Operator,
    summary: `Replace the ${what} configuration layer`,
    description:
      'Stores a new revision (author, reason, diff against the previous one) and pushes the new effective configuration to the connected agents it concerns. If-Match with the ETag refuses a lost update with 412.',
    tags: TAGS,
    ...(params ? { params } : {}),
    headers: layerIfMatch,
    body: updateBodySchema,
    responses: { 200: { description: 'The new layer', schema: layerJsonSchema } },
    problems: [404, 412],
    handler: async ({ params: p, body, context, request, reply }) => {
      const target = scope(p as { id?: string });
      const view = await services.configuration.updateLayer(
        context,
        target,
        body,
        await expectedRevision(services, context, target, request.headers['if-match']),
      );
      reply.header('etag', etagOf(view.revision));
      return layerJson(view);
    },
  });
}

export async function configurationRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const { services } = deps;
  layerRoutes(app, deps, '/configuration/fleet', 'fleet', () => ({ kind: 'fleet' }));
  layerRoutes(app, deps, '/groups/:id/configuration', 'group', (p) => ({ kind: 'group', id: p.id ?? '' }));
  layerRoutes(app, deps, '/agents/:id/configuration/layer', 'agent', (p) => ({
    kind: 'agent',
    id: p.id ?? '',
  }));
  addRoute(app, {
    method: 'GET',
    url: '/agents/:id/configuration',
    role: Role.Viewer,
    summary: "Get an agent's configuration: desired, layered, applied",
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The agent configuration view', schema: agentConfigurationJsonSchema } },
    problems: [404],
    handler: async ({ params }) => agentConfigurationJson(await services.configuration.agentView(params.id)),
  });
  addRoute(app, {
    method: 'POST',
    url: '/configuration/bulk',
    role: Role.Operator,
    summary: "Merge a change into many agents' layers",
    description:
      'BulkUpdateAgentConfiguration: the patch is validated once and merged into the own layer of every agent of the target (ids, a group, or a label selector) in one transaction; one audit entry, a config_updated event and a new revision per agent.',
    tags: TAGS,
    body: bulkRequestSchema,
    responses: {
      200: {
        description: 'Per agent, its new revision',
        schema: z.strictObject({
          results: z.array(
            z.strictObject({ agentId: z.string(), revision: z.number().int(), revisionId: z.string() }),
          ),
        }),
      },
    },
    problems: [404],
    handler: async ({ body, context }) => ({
      results: await services.configuration.bulkUpdate(context, body),
    }),
  });
  addRoute(app, {
    method: 'GET',
    url: '/configuration/revisions',
    role: Role.Viewer,
    summary: 'List the revisions of a layer, newest first',
    tags: TAGS,
    query: revisionsQuery,
    responses: { 200: { description: 'A page of revisions', schema: pageOf(revisionJsonSchema) } },
    handler: async ({ query }) => {
      const scope = scopeOf(query.scope);
      const page = await services.configuration.revisions(scope, pageRequest(query, { scope: query.scope }));
      return pageResponse(page, { scope: query.scope }, revisionJson);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/configuration/revisions/:id',
    role: Role.Viewer,
    summary: 'Get one revision',
    tags: TAGS,
    params: idParams,
    responses: { 200: { description: 'The revision', schema: revisionJsonSchema } },
    problems: [404],
    handler: async ({ params }) => revisionJson(await services.configuration.getRevision(params.id)),
  });
  addRoute(app, {
    method: 'GET',
    url: '/configuration/diff',
    role: Role.Viewer,
    summary: 'Difference between the documents of two revisions',
    tags: TAGS,
    query: diffQuery,
    responses: {
      200: {
        description: 'Field by field',
        schema: z.strictObject({
          changes: z.array(
            z.strictObject({ path: z.string(), from: z.json().optional(), to: z.json().optional() }),
          ),
        }),
      },
    },
    problems: [404],
    handler: async ({ query }) => ({
      changes: (await services.configuration.diff(query.from, query.to)) as {
        path: string;
        from?: z.output<ReturnType<typeof z.json>>;
        to?: z.output<ReturnType<typeof z.json>>;
      }[],
    }),
  });
  addRoute(app, {
    method: 'GET',
    url: '/compliance',
    role: Role.Viewer,
    summary: 'Fleet compliance',
    description:
      'Agents by compliance: compliant (runs the configuration and policy set it was sent), pending (has not applied yet, within CONFIG_DRIFT_GRACE), non_compliant (refused, or drifted past the grace period), unknown (never sent anything).',
    tags: ['compliance'],
    responses: { 200: { description: 'Counts and the compliant share', schema: complianceJsonSchema } },
    handler: async () => complianceJson(await services.configuration.compliance()),
  });
  addRoute(app, {
    method: 'GET',
    url: '/groups/:id/compliance',
    role: Role.Viewer,
    summary: "A group's compliance",
    tags: ['compliance'],
    params: idParams,
    responses: { 200: { description: "Counts over the group's members", schema: complianceJsonSchema } },
    problems: [404],
    handler: async ({ params }) => complianceJson(await services.configuration.groupCompliance(params.id)),
  });
}
