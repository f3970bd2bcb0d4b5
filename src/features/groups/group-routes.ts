// Admin API routes for groups: create (Idempotency-Key), list (kind, name
// search, page tokens), read (ETag), update (If-Match required, as for command
// types: 428 without it, 412 when stale, * to overwrite), delete (If-Match
// optional); the membership, summary and agent's-groups routes are in
// group-member-routes.ts. Viewers read; operators change groups.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isCorralError } from '../../shared/errors.js';
import { etagOf, ifMatchHeaders, ifMatchRevision } from '../../transports/http/conditional.js';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { pageOf } from '../../transports/http/json-values.js';
import { pageQueryShape, pageRequest, pageResponse } from '../../transports/http/paging.js';
import { HttpProblem } from '../../transports/http/problem.js';
import { addRoute, idParams, type RouteDependencies } from '../../transports/http/route-kit.js';
import { Role } from '../api-keys/api-key.js';
import type { RequestContext } from '../audit/audited.js';
import { createGroupSchema, GROUP_KIND_VALUES, updateGroupSchema, type GroupKind } from './group.js';
import { groupJson, groupJsonSchema } from './group-json.js';
import { addMemberRoutes } from './group-member-routes.js';
import type { GroupFilter } from './group-store.js';

export const GROUP_TAGS = ['groups'];

const listQuery = z.strictObject({
  kind: z
    .enum(GROUP_KIND_VALUES as [GroupKind, ...GroupKind[]], { error: 'must be static or dynamic' })
    .optional()
    .describe('Only groups of this kind'),
  q: z
    .string()
    .min(1)
    .max(128, 'must be at most 128 characters')
    .optional()
    .describe('Substring of the name'),
  ...pageQueryShape,
});

/**
 * The revision an If-Match header asks for (`"3"` → 3, `*` → any). A missing
 * header is 428 when `required`; a malformed one cannot match (412). Both
 * refusals are audited like the service's own.
 */
async function expectedRevision(
  deps: RouteDependencies,
  context: RequestContext,
  what: { readonly action: string; readonly id: string; readonly required: boolean },
  header: string | string[] | undefined,
): Promise<number | undefined> {
  try {
    if (header === undefined && what.required)
      throw new HttpProblem(
        428,
        'precondition_required',
        'If-Match is required: send the ETag from GET /api/v1/groups/{id}, or * to change whatever is there',
      );
    return ifMatchRevision(header, 'group');
  } catch (error) {
    const code = isCorralError(error) || error instanceof HttpProblem ? error.code : 'internal';
    await deps.services.auditor.refused(
      context,
      { action: what.action, targetKind: 'group', targetId: what.id },
      code,
    );
    throw error;
  }
}

export async function groupRoutes(app: FastifyInstance, deps: RouteDependencies): Promise<void> {
  const groups = deps.services.groups;
  addRoute(app, {
    method: 'POST',
    url: '/groups',
    role: Role.Operator,
    summary: 'Create a group',
    description:
      "A static group (members added explicitly) or a dynamic one (every enrolled agent whose labels include the selector, re-evaluated as labels change). Names are unique (409). Priority -1000..1000 orders an agent's groups: the highest wins, ties go to the older group.",
    tags: GROUP_TAGS,
    headers: idempotencyHeaders,
    body: createGroupSchema,
    responses: { 201: { description: 'Created (revision 1)', schema: groupJsonSchema } },
    problems: [409, 422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent(
        { store: deps.idempotency, route: 'POST /groups', context, request, reply },
        async () => {
          const group = await groups.create(context, body);
          return { status: 201, body: groupJson(group) };
        },
      ),
  });
  addRoute(app, {
    method: 'GET',
    url: '/groups',
    role: Role.Viewer,
    summary: 'List groups',
    description: 'By id (creation order).',
    tags: GROUP_TAGS,
    query: listQuery,
    responses: { 200: { description: 'A page of groups', schema: pageOf(groupJsonSchema) } },
    handler: async ({ query }) => {
      const filter: GroupFilter = { kind: query.kind, search: query.q };
      const page = await groups.list(filter, pageRequest(query, filter));
      return pageResponse(page, filter, groupJson);
    },
  });
  addRoute(app, {
    method: 'GET',
    url: '/groups/:id',
    role: Role.Viewer,
    summary: 'Get a group',
    description: 'The ETag is `"<revision>"`; send it as If-Match to update or delete the group.',
    tags: GROUP_TAGS,
    params: idParams,
    responses: { 200: { description: 'The group', schema: groupJsonSchema } },
    problems: [404],
    handler: async ({ params, reply }) => {
      const group = await groups.get(params.id);
      reply.header('etag', etagOf(group.revision));
      return groupJson(group);
    },
  });
  addRoute(app, {
    method: 'PATCH',
    url: '/groups/:id',
    role: Role.Operator,
    summary: 'Update a group',
    description:
      'Changes the name, description, priority, or the selector of a dynamic group (replaced whole); a group cannot change kind. If-Match is required: the ETag from GET (412 when the group changed since), or * to update unconditionally.',
    tags: GROUP_TAGS,
    params: idParams,
    headers: ifMatchHeaders('"<revision>" from the ETag, or *; required'),
    body: updateGroupSchema,
    responses: { 200: { description: 'The group at its new revision', schema: groupJsonSchema } },
    problems: [404, 409, 412, 428],
    handler: async ({ params, body, context, request, reply }) => {
      const what = { action: 'group.update', id: params.id, required: true };
      const revision = await expectedRevision(deps, context, what, request.headers['if-match']);
      const group = await groups.update(context, params.id, body, revision);
      reply.header('etag', etagOf(group.revision));
      return groupJson(group);
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/groups/:id',
    role: Role.Operator,
    summary: 'Delete a group',
    description:
      'Removes the group and its stored members; agents are not touched. Configuration and policies attached to the group stop applying at once (no agent is in it any more) and are dropped by their features on group_deleted. Commands already sent to its members carry on. If-Match is optional.',
    tags: GROUP_TAGS,
    params: idParams,
    headers: ifMatchHeaders('"<revision>" from the ETag: delete only if the group has not changed since'),
    responses: { 204: { description: 'Deleted' } },
    problems: [404, 412],
    handler: async ({ params, context, request, reply }) => {
      const what = { action: 'group.delete', id: params.id, required: false };
      const revision = await expectedRevision(deps, context, what, request.headers['if-match']);
      await groups.delete(context, params.id, revision);
      return reply.code(204).send();
    },
  });
  addMemberRoutes(app, deps);
}
