// Request ids: an incoming X-Request-Id is kept when it is safe to log and echo
// (1-128 of [A-Za-z0-9._-]); otherwise a fresh UUID. Fastify's own
// requestIdHeader would take any header value verbatim, so it is off and this
// genReqId reads the header itself.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function genRequestId(request: IncomingMessage): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
