// Liveness and readiness probes for orchestrators: /livez answers while the
// process serves; /readyz asks every backend (services.readiness()) and is a
// 503 problem naming the failing backends (not their error messages, which
// are logged) when one does not answer, or saying the instance is draining
// (an operator drain: a load balancer should send agents elsewhere, while
// /livez stays 200 so nothing restarts it). No key, no rate limit.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../app/services.js';
import { HttpProblem } from './problem.js';
import { jsonSchemaOf, problemResponse } from './route-kit.js';

const liveSchema = z.strictObject({ status: z.literal('live') });
/** Check states shown as they are; any other (an error message) is shown as `failing`. */
const PUBLIC_STATES = new Set(['ok', 'draining']);
const readySchema = z.strictObject({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) });

export function registerProbeRoutes(app: FastifyInstance, services: Services): void {
  const common = { tags: ['probes'], security: [] };
  app.get(
    '/livez',
    {
      config: { rateLimit: false },
      schema: {
        ...common,
        summary: 'Liveness: the process serves',
        response: { 200: { description: 'Live', ...jsonSchemaOf(liveSchema, 'output') } },
      },
    },
    async () => ({ status: 'live' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        ...common,
        summary: 'Readiness: every backend answers',
        response: {
          200: { description: 'Ready', ...jsonSchemaOf(readySchema, 'output') },
          503: problemResponse(503),
        },
      },
    },
    async (request) => {
      const readiness = await services.readiness().catch((error: unknown) => {
        request.log.warn({ err: error }, 'readiness check failed');
        return { ready: false, checks: { readiness: 'check failed' } };
      });
      if (!readiness.ready) {
        // The probe is unauthenticated: name the failing backends, log the reasons.
        request.log.warn({ checks: readiness.checks }, 'not ready');
        const checks = Object.fromEntries(
          Object.entries(readiness.checks).map(([name, state]) => [
            name,
            PUBLIC_STATES.has(state) ? state : 'failing',
          ]),
        );
        const failing = Object.keys(checks).filter((name) => checks[name] === 'failing');
        const reasons = [
          ...(failing.length > 0 ? [`${failing.join(', ')} does not answer`] : []),
          ...(checks.instance === 'draining'
            ? ['this instance is draining (its agents move to other instances)']
            : []),
        ];
        throw new HttpProblem(
          503,
          'unavailable',
          `not ready: ${reasons.join('; ') || 'a backend does not answer'}`,
          {
            extensions: { checks },
          },
        );
      }
      return { status: 'ready' as const, checks: readiness.checks };
    },
  );
}
