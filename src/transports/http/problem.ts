// RFC 9457 problem details for every error the admin API returns: CorralError
// codes, Fastify's own errors (bad JSON, media type, body size, bad URL), HTTP-
// only failures (HttpProblem), unknown routes and methods. A 5xx is logged with
// an errorId that the response carries instead of the error's message or stack.
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCode, isCorralError, type FieldViolation } from '../../shared/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://corral.dev/problems/';

const STATUS_OF_CODE: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  precondition_failed: 412,
  resource_exhausted: 429,
  unavailable: 503,
  internal: 500,
};

/** Codes for HTTP statuses no CorralError code covers. */
const CODE_OF_STATUS: Record<number, string> = {
  400: ErrorCode.InvalidArgument,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.PermissionDenied,
  404: ErrorCode.NotFound,
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: ErrorCode.AlreadyExists,
  412: ErrorCode.PreconditionFailed,
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'unprocessable_content',
  429: ErrorCode.ResourceExhausted,
  431: 'request_header_fields_too_large',
  503: ErrorCode.Unavailable,
};

const TITLES: Record<string, string> = {
  invalid_argument: 'Invalid argument',
  unauthenticated: 'Unauthenticated',
  permission_denied: 'Permission denied',
  not_found: 'Not found',
  already_exists: 'Already exists',
  precondition_failed: 'Precondition failed',
  resource_exhausted: 'Too many requests',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
  method_not_allowed: 'Method not allowed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  idempotency_key_reused: 'Idempotency key reused',
  precondition_required: 'Precondition required',
};

export interface HttpProblemOptions {
  readonly violations?: readonly FieldViolation[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Extra members of the problem object (RFC 9457 extensions). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** A failure that only exists at the HTTP layer (405, 413, 415, 422, a failed probe). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: HttpProblemOptions = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export const problemSchema = z
  .object({
    type: z.string().describe('https://corral.dev/problems/<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable machine-readable error code'),
    instance: z.string().describe('The request path'),
    requestId: z.string(),
    errors: z.array(z.strictObject({ field: z.string(), description: z.string() })).optional(),
    errorId: z.string().optional().describe('On 5xx: quote it when reporting the failure'),
  })
  .describe('RFC 9457 problem details; extension members may follow');
export type Problem = z.infer<typeof problemSchema> & Record<string, unknown>;

interface Described {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly violations: readonly FieldViolation[];
  readonly headers: Readonly<Record<string, string>>;
  readonly extensions: Readonly<Record<string, unknown>>;
}

const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'the request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the request body is empty but its content-type is application/json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the request body must be application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the request body does not match its content-length',
};

function bodyTooLarge(bodyLimit: number): string {
  const mib = bodyLimit / (1024 * 1024);
  return `the request body is larger than this route's ${Number.isInteger(mib) ? `${mib} MiB` : `${bodyLimit}-byte`} limit`;
}

function describe(error: unknown, bodyLimit: number): Described {
  const none = { violations: [], headers: {}, extensions: {} };
  if (error instanceof HttpProblem) {
    return { ...none, status: error.status, code: error.code, detail: error.message, ...error.options };
  }
  if (isCorralError(error)) {
    const headers: Record<string, string> = {};
    if (error.retryAfterMs !== undefined)
      headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    return {
      ...none,
      status: STATUS_OF_CODE[error.code],
      code: error.code,
      detail: error.message,
      violations: error.violations,
      headers,
    };
  }
  const fastifyError = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    const fastifyCode = typeof fastifyError.code === 'string' ? fastifyError.code : '';
    // Fastify's 4xx messages describe the request, never server internals.
    const detail =
      (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? bodyTooLarge(bodyLimit)
        : FASTIFY_DETAILS[fastifyCode]) ??
      (typeof fastifyError.message === 'string' ? fastifyError.message : 'bad request');
    const violations =
      fastifyCode.startsWith('FST_ERR_CTP_') && status === 400
        ? [{ field: 'body', description: detail }]
        : [];
    return { ...none, status, code: CODE_OF_STATUS[status] ?? 'bad_request', detail, violations };
  }
  return { ...none, status: 500, code: ErrorCode.Internal, detail: 'internal error' };
}

/** Sends `error` as problem+json; 5xx are logged with an errorId returned to the caller. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const described = describe(error, request.routeOptions.bodyLimit);
  const problem: Problem = {
    ...described.extensions,
    type: `${TYPE_BASE}${described.code}`,
    title: TITLES[described.code] ?? described.code,
    status: described.status,
    detail: described.detail,
    code: described.code,
    instance: request.url.split('?')[0] ?? request.url,
    requestId: request.id,
  };
  if (described.violations.length > 0)
    problem.errors = described.violations.map(({ field, description }) => ({ field, description }));
  if (described.status >= 500) {
    const errorId = randomUUID();
    problem.errorId = errorId;
    if (described.code === ErrorCode.Internal)
      problem.detail = `an internal error occurred; quote errorId ${errorId} when reporting it`;
    request.log.error({ err: error, errorId, code: described.code }, 'request failed');
  } else {
    request.log.debug(
      { code: described.code, status: described.status, detail: described.detail },
      'request refused',
    );
  }
  // Also set here for errors raised before the onRequest hooks ran (bad URLs).
  reply.header('x-request-id', request.id);
  if (described.code === ErrorCode.Unauthenticated) reply.header('www-authenticate', 'Bearer realm="corral"');
  for (const [name, value] of Object.entries(described.headers)) reply.header(name, value);
  return reply.code(described.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}
