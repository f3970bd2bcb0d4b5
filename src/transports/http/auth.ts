// Admin API authentication and authorization. The key comes from
// `Authorization: Bearer <key>` or `X-API-Key`; every route declares the role
// it needs in its config (a route that forgets is treated as admin-only). The
// check runs in preParsing: after the rate limiter (onRequest), before the body
// is read, so unauthenticated callers cannot make us parse their bodies.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyService } from '../../features/api-keys/api-key-service.js';
import { Role, roleAllows } from '../../features/api-keys/api-key.js';
import type { Auditor, RequestContext } from '../../features/audit/audited.js';
import { CorralError, ErrorCode, permissionDenied, unauthenticated } from '../../shared/errors.js';
import { hashToken } from '../../shared/secret-tokens.js';
import type { FailedAuthLimiter } from './failed-auth-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling; set by the auth hook on every authenticated route, null elsewhere. */
    requestContext: RequestContext | null;
  }
  interface FastifyContextConfig {
    /** The least role a caller needs. Routes registered through addRoute always set it. */
    role?: Role;
  }
}

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The API key the caller presented, if any; a malformed Authorization header is refused. */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (!match?.[1]) throw unauthenticated('the Authorization header must be "Bearer <api key>"');
    return match[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * The rate-limit bucket: a prefix of the presented key's hash (never the key
 * itself, which would sit in the limiter's memory), else the client address.
 */
export function rateLimitKey(request: FastifyRequest): string {
  let key: string | undefined;
  try {
    key = presentedApiKey(request);
  } catch {
    key = undefined;
  }
  return key === undefined ? `ip:${request.ip}` : `key:${hashToken(key).slice(0, 16)}`;
}

/** Adds authentication and the role check to every route of `app` (an encapsulated context). */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function installAuthentication(
  app: FastifyInstance,
  apiKeys: ApiKeyService,
  auditor: Auditor,
  failedAuth: FailedAuthLimiter,
): void {
  app.decorateRequest('requestContext', null);
  app.addHook('preParsing', async (request, _reply, payload) => {
    const needed = request.routeOptions.config.role ?? Role.Admin;
    failedAuth.check(request.ip);
    const key = presentedApiKey(request);
    if (key === undefined)
      throw unauthenticated(
        'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
      );
    const principal = await apiKeys.authenticate(key).catch((error: unknown) => {
      failedAuth.recordFailure(request.ip);
      throw error;
    });
    if (!roleAllows(principal.role, needed)) {
      if (MUTATING.has(request.method)) {
        // A refused mutation is an admin action too: keep who tried what.
        await auditor.refused(
          { principal, requestId: request.id },
          {
            action: `http.${request.method.toLowerCase()}`,
            targetKind: 'route',
            targetId: request.routeOptions.url ?? request.url,
          },
          ErrorCode.PermissionDenied,
        );
      }
      throw permissionDenied(
        `this needs the ${needed} role; the key ${JSON.stringify(principal.name)} has ${principal.role}`,
      );
    }
    request.requestContext = { principal, requestId: request.id };
    return payload;
  });
}

/** The caller of an authenticated route. */
export function requestContextOf(request: FastifyRequest): RequestContext {
  if (request.requestContext === null)
    throw new CorralError(ErrorCode.Internal, 'route reached without authentication');
  return request.requestContext;
}
