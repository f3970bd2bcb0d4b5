// Which failures an agent retries and which ones stop it. Anything transient
// (server down, overloaded, deadline, stream reset) is retried with backoff; a
// refusal that retrying cannot change (credential revoked, enrollment secret
// wrong, facts invalid) stops the agent with an error saying what to do.
import { status } from '@grpc/grpc-js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import { describeError, grpcCode } from './agent-rpc.js';

/** Enroll failures that the same request will always meet again. */
const ENROLL_FATAL = new Set<number>([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.INVALID_ARGUMENT,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.UNIMPLEMENTED,
]);

/** Authenticate failures meaning the credential itself is refused. */
const CREDENTIAL_REFUSED = new Set<number>([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.NOT_FOUND,
]);

/** Failures after which the server does not speak this protocol with us at all. */
const PROTOCOL_FATAL = new Set<number>([status.UNIMPLEMENTED, status.INVALID_ARGUMENT]);

export function enrollmentError(error: unknown): CorralError | undefined {
  const code = grpcCode(error);
  if (code === undefined || !ENROLL_FATAL.has(code)) return undefined;
  const hint =
    code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED
      ? 'check the enrollment secret'
      : code === status.ALREADY_EXISTS
        ? "restore the agent's stored identity or use another agent id"
        : 'check the agent facts';
  return new CorralError(refusalCode(code), `enrollment refused: ${describeError(error)}; ${hint}`, {
    cause: error,
  });
}

export function authenticationError(agentId: string, error: unknown): CorralError | undefined {
  const code = grpcCode(error);
  if (code === undefined) return undefined;
  if (CREDENTIAL_REFUSED.has(code)) {
    return new CorralError(
      code === status.PERMISSION_DENIED ? ErrorCode.PermissionDenied : ErrorCode.Unauthenticated,
      `the server refused the credential of agent ${JSON.stringify(agentId)} (${describeError(error)}); ` +
        'the agent was probably unregistered or its credential revoked: remove its stored identity to enroll again',
      { cause: error },
    );
  }
  if (PROTOCOL_FATAL.has(code)) {
    return new CorralError(ErrorCode.InvalidArgument, `authentication failed: ${describeError(error)}`, {
      cause: error,
    });
  }
  return undefined;
}

/** Connect failures that no retry can fix. */
export function connectError(error: unknown): CorralError | undefined {
  const code = grpcCode(error);
  if (code !== status.UNIMPLEMENTED) return undefined;
  return new CorralError(
    ErrorCode.PreconditionFailed,
    `the server does not serve agent streams: ${describeError(error)}`,
    {
      cause: error,
    },
  );
}

/** The session token was not accepted: authenticate again. */
export const isSessionRejected = (error: unknown): boolean => {
  const code = grpcCode(error);
  return code === status.UNAUTHENTICATED || code === status.PERMISSION_DENIED;
};

/** Whether an error must stop the agent rather than be retried. */
export const isFatal = (error: unknown): error is CorralError =>
  error instanceof CorralError && error.code !== ErrorCode.Internal && error.code !== ErrorCode.Unavailable;

/** Whether an error stopped the agent because the server refused who it is. */
export const isRefusal = (error: unknown): error is CorralError =>
  error instanceof CorralError &&
  (error.code === ErrorCode.Unauthenticated || error.code === ErrorCode.PermissionDenied);

function refusalCode(code: number): ErrorCode {
  switch (code) {
    case status.UNAUTHENTICATED:
      return ErrorCode.Unauthenticated;
    case status.PERMISSION_DENIED:
      return ErrorCode.PermissionDenied;
    case status.ALREADY_EXISTS:
      return ErrorCode.AlreadyExists;
    case status.INVALID_ARGUMENT:
      return ErrorCode.InvalidArgument;
    default:
      return ErrorCode.PreconditionFailed;
  }
}
