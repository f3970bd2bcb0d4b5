// Maps CorralError to gRPC statuses with rich details: the
// `grpc-status-details-bin` trailer carries a google.rpc.Status holding
// ErrorInfo (the stable Corral code), BadRequest (which fields are wrong) and
// RetryInfo (when to come back).
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { isAbsolute, join } from 'node:path';
import { CorralError, ErrorCode, isCorralError, type FieldViolation } from '../../shared/errors.js';
import { PROTO_DIR } from './proto-loader.js';

const CODE: Record<ErrorCode, grpc.status> = {
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  not_found: grpc.status.NOT_FOUND,
  already_exists: grpc.status.ALREADY_EXISTS,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  permission_denied: grpc.status.PERMISSION_DENIED,
  precondition_failed: grpc.status.FAILED_PRECONDITION,
  resource_exhausted: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  internal: grpc.status.INTERNAL,
};

const ERROR_DOMAIN = 'corral.dev';

let root: protobuf.Root | undefined;
function rpcTypes() {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_origin, target) =>
      isAbsolute(target) || target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target);
    root.loadSync(
      [join(PROTO_DIR, 'google/rpc/status.proto'), join(PROTO_DIR, 'google/rpc/error_details.proto')],
      { keepCase: true },
    );
    root.resolveAll();
  }
  return {
    Status: root.lookupType('google.rpc.Status'),
    ErrorInfo: root.lookupType('google.rpc.ErrorInfo'),
    BadRequest: root.lookupType('google.rpc.BadRequest'),
    RetryInfo: root.lookupType('google.rpc.RetryInfo'),
  };
}

const any = (type: protobuf.Type, value: object) => ({
  type_url: `type.googleapis.com/${type.fullName.slice(1)}`,
  value: type.encode(type.create(value)).finish(),
});

/** Proto field paths are snake_case; domain violations name camelCase fields. */
export const toProtoFieldPath = (field: string): string =>
  field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export type GrpcErrorStatus = Partial<grpc.StatusObject> & {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
};

/** Never throws: if building the rich details fails, the caller still gets a plain INTERNAL status. */
export function toGrpcError(error: unknown): GrpcErrorStatus {
  try {
    return richStatus(error);
  } catch {
    return { code: grpc.status.INTERNAL, details: 'internal error', metadata: new grpc.Metadata() };
  }
}

function richStatus(error: unknown): GrpcErrorStatus {
  const corral = isCorralError(error) ? error : new CorralError(ErrorCode.Internal, 'internal error');
  const types = rpcTypes();
  const details = [any(types.ErrorInfo, { reason: corral.code, domain: ERROR_DOMAIN })];
  if (corral.violations.length > 0) {
    details.push(
      any(types.BadRequest, {
        field_violations: corral.violations.map((v: FieldViolation) => ({
          field: toProtoFieldPath(v.field),
          description: v.description,
        })),
      }),
    );
  }
  if (corral.retryAfterMs !== undefined) {
    const seconds = Math.floor(corral.retryAfterMs / 1000);
    details.push(
      any(types.RetryInfo, { retry_delay: { seconds, nanos: (corral.retryAfterMs % 1000) * 1_000_000 } }),
    );
  }
  const code = CODE[corral.code];
  const message = describe(corral);
  const metadata = new grpc.Metadata();
  metadata.set(
    'grpc-status-details-bin',
    Buffer.from(types.Status.encode(types.Status.create({ code, message, details })).finish()),
  );
  return { code, details: message, metadata };
}

function describe(error: CorralError): string {
  if (error.violations.length === 0) return error.message;
  return `${error.message}: ${error.violations.map((v) => `${toProtoFieldPath(v.field)} ${v.description}`).join('; ')}`;
}
