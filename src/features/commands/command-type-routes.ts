// Admin API routes for command types: list (built-ins and registered), read
// (ETag for registered types), register (Idempotency-Key), replace (If-Match
// required) and delete (refused while unfinished commands use the type, unless
// force=true). Names hold a colon (`custom:foo`); sent raw or as %3A, both work.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isCorralError, type CorralError } from '../../shared/errors.js';
import { etagOf, ifMatchHeaders, ifMatchRevision } from '../../transports/http/conditional.js';
import { idempotencyHeaders, sendIdempotent } from '../../transports/http/idempotent-create.js';
import { HttpProblem } from '../../transports/http/problem.js';
import { addRoute, type RouteDependencies } from '../../transports/http/route-kit.js';
import type { RequestContext } from '../audit/audited.js';
import { Role } from '../api-keys/api-key.js';
import { COMMAND_TYPE_PATTERN } from './command.js';
import {
  commandTypeJson,
  commandTypeJsonSchema,
  commandTypeListJsonSchema,
  registerCommandTypeBodySchema,
  replaceCommandTypeBodySchema,
} from './command-type-json.js';
import type { CommandTypeService, CommandTypeView } from './command-type-service.js';

const TAGS = ['command types'];

/** RouteDependencies once Services carries `commandTypes` (see the wiring in ADR 0008). */
export interface CommandTypeRouteDependencies extends RouteDependencies {
  readonly services: RouteDependencies['services'] & { readonly commandTypes: CommandTypeService };
}

const nameParams = z.strictObject({
  name: z
    .string()
    .regex(COMMAND_TYPE_PATTERN, 'must be a command type such as scan or custom:name')
    .describe('A built-in name or custom:<name> (the colon may be sent as %3A)'),
});

const deleteQuery = z.strictObject({
  force: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true')
    .describe('Delete even while unfinished commands use the type'),
});

const etagOfType = (view: CommandTypeView) =>
  view.kind === 'custom' ? etagOf(view.stored.revision) : undefined;

/**
 * The revision an If-Match header asks for: `"3"` → 3, `*` → any. A missing
 * header is refused with 428 when `required`; a malformed one cannot match (412).
 * Both refusals are audited like the service's own.
 */
async function expectedRevision(
  deps: CommandTypeRouteDependencies,
  context: RequestContext,
  what: { readonly action: string; readonly name: string; readonly required: boolean },
  header: string | string[] | undefined,
): Promise<number | undefined> {
  let refusal: HttpProblem | CorralError;
  if (header === undefined && what.required)
    refusal = new HttpProblem(
      428,
      'precondition_required',
      'If-Match is required: send the ETag from GET /api/v1/command-types/{name}, or * to replace whatever is there',
    );
  else
    try {
      return ifMatchRevision(header, 'command type');
    } catch (error) {
      if (!isCorralError(error)) throw error;
      refusal = error;
    }
  await deps.services.auditor.refused(
    context,
    { action: what.action, targetKind: 'command_type', targetId: what.name },
    refusal.code,
  );
  throw refusal;
}

export async function commandTypeRoutes(
  app: FastifyInstance,
  deps: CommandTypeRouteDependencies,
): Promise<void> {
  const types = deps.services.commandTypes;
  addRoute(app, {
    method: 'GET',
    url: '/command-types',
    role: Role.Viewer,
    summary: 'List command types',
    description:
      'Built-in types (builtIn: true) first, then registered custom:<name> types by name, each with the JSON Schema of its parameters. Not paged: there are at most 1,000 registered types.',
    tags: TAGS,
    responses: { 200: { description: 'Every command type', schema: commandTypeListJsonSchema } },
    handler: async () => ({ items: (await types.list()).map(commandTypeJson) }),
  });
  addRoute(app, {
    method: 'GET',
    url: '/command-types/:name',
    role: Role.Viewer,
    summary: 'Get a command type',
    description:
      'For a registered type the ETag is `"<revision>"`; send it as If-Match to replace or delete it.',
    tags: TAGS,
    params: nameParams,
    responses: { 200: { description: 'The command type', schema: commandTypeJsonSchema } },
    problems: [404],
    handler: async ({ params, reply }) => {
      const view = await types.get(params.name);
      const etag = etagOfType(view);
      if (etag) reply.header('etag', etag);
      return commandTypeJson(view);
    },
  });
  addRoute(app, {
    method: 'POST',
    url: '/command-types',
    role: Role.Operator,
    summary: 'Register a custom command type',
    description:
      'Commands of the type can be created at once, their params checked against the schema. Built-in names are refused. 409 when the name is taken.',
    tags: TAGS,
    headers: idempotencyHeaders,
    body: registerCommandTypeBodySchema,
    responses: { 201: { description: 'Registered (revision 1)', schema: commandTypeJsonSchema } },
    problems: [409, 412, 422],
    handler: ({ body, context, request, reply }) =>
      sendIdempotent(
        { store: deps.idempotency, route: 'POST /command-types', context, request, reply },
        async () => {
          const stored = await types.register(context, body);
          return { status: 201, body: commandTypeJson({ kind: 'custom', stored }) };
        },
      ),
  });
  addRoute(app, {
    method: 'PUT',
    url: '/command-types/:name',
    role: Role.Operator,
    summary: 'Replace a custom command type',
    description:
      'Replaces description, schema and example. If-Match is required: the ETag from GET (412 when the type changed since), or * to replace unconditionally. Commands already created keep the params they were checked with.',
    tags: TAGS,
    params: nameParams,
    headers: ifMatchHeaders('"<revision>" from the ETag, or *; required'),
    body: replaceCommandTypeBodySchema,
    responses: { 200: { description: 'The type at its new revision', schema: commandTypeJsonSchema } },
    problems: [404, 412, 428],
    handler: async ({ params, body, context, request, reply }) => {
      const what = { action: 'command_type.update', name: params.name, required: true };
      const revision = await expectedRevision(deps, context, what, request.headers['if-match']);
      const stored = await types.replace(context, params.name, body, revision);
      reply.header('etag', etagOf(stored.revision));
      return commandTypeJson({ kind: 'custom', stored });
    },
  });
  addRoute(app, {
    method: 'DELETE',
    url: '/command-types/:name',
    role: Role.Operator,
    summary: 'Delete a custom command type',
    description:
      'Refused with 412 while queued or running commands use the type, unless force=true: those commands carry on, new ones of the type are refused. If-Match is optional.',
    tags: TAGS,
    params: nameParams,
    query: deleteQuery,
    headers: ifMatchHeaders('"<revision>" from the ETag: delete only if the type has not changed since'),
    responses: { 204: { description: 'Deleted' } },
    problems: [404, 412],
    handler: async ({ params, query, context, request, reply }) => {
      const what = { action: 'command_type.delete', name: params.name, required: false };
      const revision = await expectedRevision(deps, context, what, request.headers['if-match']);
      await types.delete(context, params.name, {
        force: query.force,
        ...(revision === undefined ? {} : { expectedRevision: revision }),
      });
      return reply.code(204).send();
    },
  });
}
