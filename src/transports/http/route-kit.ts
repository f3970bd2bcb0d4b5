// How feature route files declare an admin API route: one spec holds the role,
// the documentation and the zod schemas. The zod schemas do the validation (in
// the handler wrapper, so failures are our problem+json naming the field); the
// JSON Schemas derived from them only document the route (the server's
// validator and serializer compilers are no-ops, see http-server.ts). Bodies
// are passed through untouched: each service validates its own input.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../app/services.js';
import type { Role } from '../../features/api-keys/api-key.js';
import type { RequestContext } from '../../features/audit/audited.js';
import { invalidArgument, type FieldViolation } from '../../shared/errors.js';
import { requestContextOf } from './auth.js';
import type { IdempotencyStore } from './idempotency.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';

/** What every feature's route plugin receives as options. */
export interface RouteDependencies {
  readonly services: Services;
  readonly idempotency: IdempotencyStore;
}

export const API_KEY_SECURITY: readonly Readonly<Record<string, readonly string[]>>[] = [
  { bearerAuth: [] },
  { apiKeyHeader: [] },
];

export interface ResponseDoc {
  readonly description: string;
  /** The body's schema; absent for empty responses (204). */
  readonly schema?: z.ZodType;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType> {
  readonly params: z.output<P>;
  readonly query: z.output<Q>;
  /** Unvalidated: the service called validates it. */
  readonly body: unknown;
  readonly context: RequestContext;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly role: Role;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly deprecated?: boolean;
  readonly params?: P;
  readonly query?: Q;
  /** For the document only. */
  readonly body?: z.ZodType;
  /** Request headers worth documenting (If-Match, Idempotency-Key); read by the handler. */
  readonly headers?: z.ZodObject;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Problem statuses besides the ones every authenticated route can return (400, 401, 403, 429, 500). */
  readonly problems?: readonly number[];
  /** Bytes of request body this route accepts, when not the server's 1 MiB (large uploads only). */
  readonly bodyLimit?: number;
  readonly handler: (input: RouteInput<P, Q>) => Promise<unknown>;
}

const noInput = z.strictObject({});

/** Ids of stored records (time-ordered ids, agent ids) as path parameters. */
export const resourceIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of [A-Za-z0-9._:-]');
export const idParams = z.strictObject({ id: resourceIdSchema });

export function addRoute<P extends z.ZodType = typeof noInput, Q extends z.ZodType = typeof noInput>(
  app: FastifyInstance,
  spec: RouteSpec<P, Q>,
): void {
  const paramsSchema = spec.params ?? noInput;
  const querySchema = spec.query ?? noInput;
  app.route({
    method: spec.method,
    url: spec.url,
    config: { role: spec.role },
    schema: routeDocs(spec),
    ...(spec.bodyLimit === undefined ? {} : { bodyLimit: spec.bodyLimit }),
    handler: async (request, reply) => {
      const params = parseInput(paramsSchema, request.params ?? {}, 'path parameter') as z.output<P>;
      const query = parseInput(querySchema, request.query ?? {}, 'query parameter') as z.output<Q>;
      return spec.handler({
        params,
        query,
        body: request.body,
        context: requestContextOf(request),
        request,
        reply,
      });
    },
  });
}

/** Parses path or query input; every violation names the parameter. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const violations: FieldViolation[] = parsed.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, description: `is not a known ${what}` }))
      : [{ field: String(issue.path[0] ?? '(root)'), description: issue.message }],
  );
  throw invalidArgument(`invalid ${what}s`, violations);
}

/** A zod schema as JSON Schema for the OpenAPI document (`input` for requests, `output` for responses). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return json;
}

const COMMON_PROBLEMS = [400, 401, 403, 429, 500];
const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; `errors` names each bad field',
  401: 'Missing, unknown, expired or revoked API key',
  403: 'The API key lacks the role this route needs',
  404: 'No such resource',
  409: 'Conflict',
  412: 'If-Match does not match the current revision',
  413: 'Body larger than the route accepts (1 MiB unless stated)',
  415: 'Body is not application/json',
  422: 'Idempotency-Key reused with a different body',
  428: 'If-Match is required',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Internal error; quote errorId',
  503: 'Not ready',
};

export function problemResponse(status: number): Record<string, unknown> {
  return {
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

function routeDocs<P extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<P, Q>): FastifySchema {
  const response: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(spec.responses)) {
    response[status] = doc.schema
      ? { description: doc.description, ...jsonSchemaOf(doc.schema, 'output') }
      : { description: doc.description, type: 'null' };
  }
  const hasBody = spec.method === 'POST' || spec.method === 'PUT' || spec.method === 'PATCH';
  for (const status of new Set([
    ...COMMON_PROBLEMS,
    ...(hasBody ? [413, 415] : []),
    ...(spec.problems ?? []),
  ]))
    response[status] = problemResponse(status);
  return {
    summary: spec.summary,
    description: `${spec.description ? `${spec.description}\n\n` : ''}Requires the **${spec.role}** role.`,
    tags: [...spec.tags],
    ...(spec.deprecated ? { deprecated: true } : {}),
    security: API_KEY_SECURITY,
    ...(spec.params ? { params: jsonSchemaOf(spec.params, 'input') } : {}),
    ...(spec.query ? { querystring: jsonSchemaOf(spec.query, 'input') } : {}),
    ...(spec.headers ? { headers: jsonSchemaOf(spec.headers, 'input') } : {}),
    ...(spec.body ? { body: jsonSchemaOf(spec.body, 'input') } : {}),
    response,
  } satisfies FastifySchema;
}
