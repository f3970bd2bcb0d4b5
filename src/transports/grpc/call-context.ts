// Per-call plumbing shared by the handlers: the bearer token from metadata,
// the peer, and metrics + error mapping around every unary call.
import type * as grpc from '@grpc/grpc-js';
import { unauthenticated, isCorralError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { refuseNulCharacters } from '../../shared/nul-characters.js';
import type { CorralMetrics } from '../../metrics/corral-metrics.js';
import { toGrpcError } from './status.js';

export function bearerToken(metadata: grpc.Metadata): string {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string' || !value.startsWith('Bearer ')) {
    throw unauthenticated('missing "authorization: Bearer <session token>" metadata');
  }
  return value.slice('Bearer '.length).trim();
}

export interface HandlerDeps {
  readonly metrics: CorralMetrics;
  readonly logger: Logger;
}

/**
 * Wraps a unary handler: counts it, refuses text holding U+0000 anywhere in the request, maps
 * CorralError to a gRPC status, never lets a throw escape.
 */
export function unary<Req, Res>(
  method: string,
  deps: HandlerDeps,
  handle: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    deps.metrics.grpcRequests.inc({ method });
    const handled = (async () => {
      refuseNulCharacters(call.request, '');
      return handle(call);
    })();
    handled.then(
      (response) => callback(null, response),
      (error: unknown) => {
        const status = toGrpcError(error);
        deps.metrics.grpcErrors.inc({ method, code: String(status.code) });
        if (!isCorralError(error))
          deps.logger.error({ err: error, method }, 'unexpected error in gRPC handler');
        callback(status, null);
      },
    );
  };
}
