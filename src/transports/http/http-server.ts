// The REST admin API server: Fastify with request ids, helmet, a per-principal
// rate limit, a 1 MiB JSON-only body limit, problem+json for every error, the
// OpenAPI document and docs page, probes, and the feature routes under /api/v1
// (plus the seed's /api/status and /api/agents). Returned not listening and
// not yet ready: the composition root calls listen() and close() (inject()
// readies it in tests). Routes are registered inside plugins so that the
// OpenAPI plugin, loaded first, sees every one of them.
//
// Route schemas are documentation only. Validation is zod in each route's
// handler wrapper (route-kit.ts) and in the services, so the validator compiler
// is a no-op; responses are plain JSON.stringify of what the *-json mappers
// build, so the serializer compiler is one too (no schema can silently drop or
// coerce a field; tests check the output against the same zod schemas).
// Before any of that, text holding U+0000 is refused wherever it is
// (src/shared/nul-characters.ts).
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Services } from '../../app/services.js';
import { resourceExhausted } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { refuseNulCharacters } from '../../shared/nul-characters.js';
import { registerApiRoutes } from './api-routes.js';
import { rateLimitKey } from './auth.js';
import { IdempotencyStore } from './idempotency.js';
import { registerOpenApi } from './openapi.js';
import { sendProblem } from './problem.js';
import { registerProbeRoutes } from './probe-routes.js';
import { genRequestId, REQUEST_ID_HEADER } from './request-id.js';
import { installNotFoundHandler } from './route-table.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface HttpServerOptions {
  readonly services: Services;
  readonly logger: Logger;
  /** Requests per minute per API key (or per client address without one). */
  readonly rateLimitPerMinute: number;
  /**
   * Shared rate-limit buckets (CACHE_URL=redis://…): every instance counts a principal's requests in the
   * same bucket. Unset: buckets live in this process. If Redis fails, requests pass unlimited (logged by
   * the connection) rather than fail.
   */
  readonly rateLimitStore?: { readonly redis: Redis; readonly nameSpace: string };
  /** Corral's version, for the OpenAPI document. */
  readonly version: string;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = fastify({
    loggerInstance: options.logger,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    genReqId: genRequestId,
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    frameworkErrors: (error, request, reply) => {
      sendProblem(request, reply, error);
    },
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    // Fastify types the instance by server kind (http/https) and logger; callers
    // and route plugins only need the common FastifyInstance surface.
  }) as unknown as FastifyInstance;

  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('preValidation', async (request) => {
    refuseNulCharacters(request.params, 'path');
    refuseNulCharacters(request.query, 'query');
    refuseNulCharacters(request.body, 'body');
  });
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  installNotFoundHandler(app);

  app.register(helmet, {
    // JSON only: nothing to load. The docs page sets its own policy (openapi.ts).
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    // HSTS over plain HTTP is meaningless and misleading.
    hsts: options.tls !== undefined,
  });
  app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
    ...(options.rateLimitStore
      ? {
          redis: options.rateLimitStore.redis,
          nameSpace: options.rateLimitStore.nameSpace,
          skipOnError: true,
        }
      : {}),
    errorResponseBuilder: (_request, context) =>
      resourceExhausted(
        `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        context.ttl,
      ),
  });
  registerOpenApi(app, options.version);
  app.register(async (probes) => registerProbeRoutes(probes, options.services));
  app.register(registerApiRoutes, {
    prefix: '/api',
    services: options.services,
    idempotency: new IdempotencyStore(options.services.clock),
  });
  return app;
}
