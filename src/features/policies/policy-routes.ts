// Admin API routes for security policies: list (paged, without rules), create
// (Idempotency-Key), read (ETag "<version>"), replace as a new version (If-Match
// required, as for command types: 428 without it, 412 when stale, * for any),
// delete (412 while assigned unless force=true; If-Match optional), and the
// versions. Assignment routes are registered from here too
// (policy-assignment-routes.ts), so api-routes.ts needs one plugin.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { preconditionFailed } from '../../shared/errors.js';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { HttpProblem } from '../../transports/http/problem.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import type { RequestContext } from '../audit/audited.js';
import { Role } from '../api-keys/api-key.js';
import { POLICY_MODE_VALUES, type PolicyMode } from './policy.js';
import { policyAssignmentRoutes } from './policy-assignment-routes.js';
import {
  policyBodyDocSchema,
  policyJson,
  policyJsonSchema,
  policySummaryJson,
  policySummaryJsonSchema,
  policyVersionJson,
  policyVersionJsonSchema,
  policyVersionSummaryJson,
  policyVersionSummaryJsonSchema,
} from './policy-json.js';

const POLICY_TAGS = ['policies'];

const listQuery = z.strictObject({
  mode: z
    .enum(POLICY_MODE_VALUES as [PolicyMode, ...PolicyMode[]], { error: 'must be enforce or monitor' })
    .optional(),
  q: z
    .string()
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .optional()
    .describe('Substring of the name'),
  ...pageQueryShape,
});
const versionParams = idParams.extend({
  version: z
    .string()
    .regex(/^[1-9]\d{0,8}$/, 'must be a version number (1, 2, …)')
    .transform(Number),
});
const deleteQuery = z.strictObject({
  force: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true')
    .describe('Delete even while assigned: the assignments are removed too'),
});
const ifMatch = (description: string) =>
  z.object({ 'if-match': z.string().optional().describe(description) });

/**
 * The version an If-Match header asks for: `"3"` → 3, `*` → any. A missing
 * header is refused with 428 when `required`; a malformed one cannot match
 * (412). Both refusals are audited like the service's own.
 */
async function expectedVersion(
  deps: RouteDependencies,
  context: RequestContext,
  what: { readonly action: string; readonly id: string; readonly required: boolean },
  header: string | string[] | undefined,
): Promise<number | undefined> {
  if (header === '*' || (header === undefined && !what.required)) return undefined;
  const match = typeof header === 'string' ? /^\s*"(\d{1,15})"\s*$/.exec(header) : null;
  if (match?.[1]) return Number(match[1]);
  const refusal =
    header === undefined
      ? new HttpProblem(
          428,
          'precondition_required',
          'If-Match is required: send the ETag from GET /api/v1/policies/{id}, or * to replace whatever is there',
        )
      : preconditionFailed('If-Match must be the ETag of the policy ("<version>") or *');
  await deps.services.auditor.refused(
    context,
    { action: what.action, targetKind: 'policy', targetId: what.id },
    refusal.code,
  );
  throw refusal;
}

export async function policyRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const policies = deps.services.policies;
  addRoute(app, {
    method: 'GET',
    url: '/policies',
    role: Role.Viewer,
    summary: 'List security policies',
    description:
      'By creation order; each with its rule count instead of its rules (GET /policies/{id} has them).',
    tags: POLICY_TAGS,
    query: listQuery,
    responses: { 200: { description: 'A page of policies', schema: pageOf(policySummaryJsonSchema) } },
    handler: async ({ query }) => {
      const filter = { mode: query.mode, search: query.q };
      const page = await policies.list(filter, pageRequest(query, filter));
      return pageResponse(page, filter, policySummaryJson);
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/policies',
    role: Role.Operator,
    summary: 'Create a security policy',
    description:
      'Stored as version 1. 409 when the name is taken; 400 naming each bad field (`rules.3.match.cidrs.1`).',
    tags: POLICY_TAGS,
    headers: idempotencyHeaders,
    body: policyBodyDocSchema,
    responses: { 201: { description: 'Created (version 1)', schema: policyJsonSchema } },
    problems: [409, 422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent(
        { store: deps.idempotency, route: 'POST /policies', context, request, reply },
        async () => {
          const policy = await policies.create(context, body);
          reply.header('etag', `"${policy.version}"`);
          return { status: 201, body: policyJson(policy) };
        },
      ),
  });
  addRoute(app, {
    method: 'GET',
    url: '/policies/:id',
    role: Role.Viewer,
    summary: 'Get a security policy at its current version',
    description: 'The ETag is `"<version>"`; send it as If-Match to update or delete the policy.',
    tags: POLICY_TAGS,
    params: idParams,
    responses: { 200: { description: 'The policy', schema: policyJsonSchema } },
    problems: [404],
    handler: async ({ params, reply }) => {
      const policy = await policies.get(params.id);
      reply.header('etag', `"${policy.version}"`);
      return policyJson(policy);
    },
  });
  addRoute(app, {
    method: 'PUT',
    url: '/policies/:id',
    role: Role.Operator,
    summary: 'Update a security policy (a new version)',
    description:
      'Replaces name, description, mode and rules, stored as the next version with `reason`; earlier versions stay as they were. If-Match is required: the ETag from GET (412 when the policy changed since), or * to replace unconditionally.',
    tags: POLICY_TAGS,
    params: idParams,
    headers: ifMatch('"<version>" from the ETag, or *; required'),
    body: policyBodyDocSchema,
    responses: { 200: { description: 'The policy at its new version', schema: policyJsonSchema } },
    problems: [404, 409, 412, 428],
    handler: async ({ params, body, context, request, reply }) => {
      const what = { action: 'policy.update', id: params.id, required: true };
      const version = await expectedVersion(deps, context, what, request.headers['if-match']);
      const policy = await policies.update(context, params.id, body, version);
      reply.header('etag', `"${policy.version}"`);
      return policyJson(policy);
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/policies/:id',
    role: Role.Operator,
    summary: 'Delete a security policy',
    description:
      'Refused with 412 while the policy is assigned to any agent or group, unless force=true: then the assignments are removed too (a policy_unassigned event each) and the agents lose it from their effective sets. Versions go with the policy. If-Match is optional.',
    tags: POLICY_TAGS,
    params: idParams,
    query: deleteQuery,
    headers: ifMatch('"<version>" from the ETag: delete only if the policy has not changed since'),
    responses: { 204: { description: 'Deleted' } },
    problems: [404, 412],
    handler: async ({ params, query, context, request, reply }) => {
      const what = { action: 'policy.delete', id: params.id, required: false };
      const version = await expectedVersion(deps, context, what, request.headers['if-match']);
      await policies.delete(context, params.id, {
        force: query.force,
        ...(version === undefined ? {} : { expectedVersion: version }),
      });
      return reply.code(204).send();
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/policies/:id/versions',
    role: Role.Viewer,
    summary: "List a security policy's versions",
    description: 'Newest first, each with its author, time, reason and rule count.',
    tags: POLICY_TAGS,
    params: idParams,
    query: z.strictObject(pageQueryShape),
    responses: { 200: { description: 'A page of versions', schema: pageOf(policyVersionSummaryJsonSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      const filter = { policyId: params.id };
      const { afterId, limit } = pageRequest(query, filter);
      const page = await policies.listVersions(params.id, {
        limit,
        ...(afterId === undefined ? {} : { afterVersion: Number(afterId) }),
      });
      const next = page.nextAfterVersion === undefined ? undefined : String(page.nextAfterVersion);
      return pageResponse({ items: page.items, nextAfterId: next }, filter, policyVersionSummaryJson);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/policies/:id/versions/:version',
    role: Role.Viewer,
    summary: 'Get one version of a security policy',
    description: 'Versions are immutable: the same request always returns the same document.',
    tags: POLICY_TAGS,
    params: versionParams,
    responses: { 200: { description: 'The version', schema: policyVersionJsonSchema } },
    problems: [404],
    handler: async ({ params }) => policyVersionJson(await policies.getVersion(params.id, params.version)),
  });
  await policyAssignmentRoutes(app, deps);
}
