// The Idempotency-Key handling shared by the creating POSTs (enrollment
// secrets, API keys): the header's documentation, and running a create through
// the IdempotencyStore so a retry replays the first response.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RequestContext } from '../../features/audit/audited.js';
import { IDEMPOTENCY_HEADER, type IdempotencyStore, type KeptResponse } from './idempotency.js';

export const idempotencyHeaders = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .optional()
    .describe(
      'Retrying with the same key and body replays the first response (within 24 h, on this instance); the same key with another body gets 422',
    ),
});

export interface CreateCall {
  readonly store: IdempotencyStore;
  /** Names the operation, so one key can be used on two routes. */
  readonly route: string;
  readonly context: RequestContext;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export async function sendIdempotent(
  call: CreateCall,
  create: () => Promise<KeptResponse>,
): Promise<FastifyReply> {
  const key = call.request.headers[IDEMPOTENCY_HEADER];
  const kept = await call.store.run(
    {
      principal: call.context.principal.actor,
      route: call.route,
      key: typeof key === 'string' ? key : undefined,
      body: call.request.body,
    },
    create,
  );
  if (kept.replayed) call.reply.header('idempotent-replayed', 'true');
  // The body may hold a secret shown once: no cache may keep it.
  return call.reply.code(kept.status).header('cache-control', 'no-store').send(kept.body);
}
